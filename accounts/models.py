"""Staff accounts use django.contrib.auth; roles live in accounts.roles."""

from django.core.management.base import BaseCommand

from accounts.demo import demo_users_ensure
from customers.demo import demo_exists, seed_demo


class Command(BaseCommand):
    help = "Load demo customers, sales, deliveries and complaints once, and the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--customers", type=int, default=300)

    def handle(self, *args, customers, **options):
        logins = demo_users_ensure()
        if demo_exists():
            self.stdout.write("Demo data already loaded; nothing to do.")
        else:
            counts = seed_demo(customers=customers)
            self.stdout.write(
                self.style.SUCCESS(
                    "Demo data: {customers} customers, {sales} sales, {complaints} complaints.".format(
                        **counts
                    )
                )
            )
        for username, password in logins.items():
            self.stdout.write(f"  login: {username} / {password}")

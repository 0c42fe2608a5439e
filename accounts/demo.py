"""Demo logins for `make run`; never created outside seed_demo."""

from django.contrib.auth.models import Group, User

from accounts.roles import MANAGER, SUPPORT

DEMO_USERS = {
    "manager": ("demo-manager-2026", MANAGER, "Marta", "Gerente"),
    "support": ("demo-support-2026", SUPPORT, "Sergio", "Soporte"),
}


def demo_users_ensure() -> dict[str, str]:
    for username, (password, group, first, last) in DEMO_USERS.items():
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@postsale.example"},
        )
        if created:
            user.set_password(password)
            user.save()
        user.groups.add(Group.objects.get(name=group))
    return {username: password for username, (password, *_rest) in DEMO_USERS.items()}

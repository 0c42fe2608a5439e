import pytest
from django.contrib.auth.models import Group, User

from postsale.celery import app as celery_app


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Staff fixtures hash a password each: MD5 here, instead of 0.5 s of PBKDF2 per user."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate-limit counters live in the cache: each test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def eager_celery(request):
    """Tasks run in-process unless a test starts a real worker (marker `integration`)."""
    if request.node.get_closest_marker("integration"):
        yield
        return
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def make_staff(username: str, group: str) -> User:
    user = User.objects.create_user(username=username, password="pw-" + username,
                                    first_name=username.title())
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def manager(db):
    return make_staff("marta", "Manager")


@pytest.fixture
def support(db):
    return make_staff("sergio", "Support")


@pytest.fixture
def manager_client(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def support_client(client, support):
    client.force_login(support)
    return client


@pytest.fixture
def site(live_server, settings):
    """The live server's address, also as the base of the links in mails."""
    settings.SITE_URL = live_server.url
    return live_server.url

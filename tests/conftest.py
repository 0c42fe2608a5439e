import os

import pytest
from django.contrib.auth.models import Group, User

from postsale.celery import app as celery_app

# pytest-xdist's worker name (gw0, gw1, ...), empty in a run of one process.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def pytest_configure(config):
    """Under pytest-xdist the workers share one Redis cache: each keeps its keys under a prefix
    of its own, so one worker's rate-limit counters never meet another's."""
    if XDIST_WORKER:
        from django.conf import settings

        settings.CACHES["default"]["KEY_PREFIX"] = XDIST_WORKER


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Staff fixtures hash a password each: MD5 here, instead of 0.5 s of PBKDF2 per user."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate-limit counters live in the cache: each test starts with none."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    cache = caches["default"]
    if XDIST_WORKER and isinstance(cache, RedisCache):
        # clear() would FLUSHDB the other workers' keys too: delete only this worker's.
        client = cache._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{cache.key_prefix}:*"))
        if keys:
            client.delete(*keys)
    else:
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
    user = User.objects.create_user(username=username, password="pw-" + username, first_name=username.title())
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

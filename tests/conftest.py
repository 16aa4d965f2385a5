"""Shared fixtures: the site structure and one user per role. Real database, no mocks."""

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache

from accounts import roles
from search.backends.database import vectors
from tests.factories import UserFactory


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The cache is the database cache (rate limits, counters, search): every test database
    needs its table, whichever test module runs first."""
    from django.core.management import call_command

    with django_db_blocker.unblock():
        call_command("createcachetable", verbosity=0)


@pytest.fixture(autouse=True)
def _fresh_cache(request):
    """View counters, cached pages and search state live in the database cache, which some
    backends keep outside the test transaction: every test with database access starts with an
    empty cache. Tests without database access cannot reach the cache anyway. Not cleared again at
    the end: a browser test's live server may still be answering the page's last request then
    (SQLite: "database table is locked"), and the next test clears it first in any case."""
    names = set(request.fixturenames)
    if "transactional_db" in names or "live_server" in names:
        request.getfixturevalue("transactional_db")
    elif "db" in names or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
    else:
        yield
        return
    cache.clear()
    vectors.forget()  # this process's vector matrices (search by meaning): each test has its own database
    yield


@pytest.fixture
def site_pages(db):
    """The per-locale home pages, as `load_demo` creates them."""
    from home.site_setup import ensure_home_pages

    return ensure_home_pages()


def _user_in(group_name: str, **kwargs):
    user = UserFactory(**kwargs)
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def customer(db):
    return _user_in(roles.CUSTOMERS, username="customer")


@pytest.fixture
def other_customer(db):
    return _user_in(roles.CUSTOMERS, username="other_customer")


@pytest.fixture
def moderator(db):
    return _user_in(roles.MODERATORS, username="moderator")


@pytest.fixture
def staff(db):
    return _user_in(roles.SUPPORT_STAFF, username="staff", is_staff=True)

"""Forum fixtures: the demo forum structure with permissions synced, and a question thread."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone, translation

from accounts import roles
from forum import demo, permissions
from tests.factories import UserFactory
from tests.forum.factories import make_reply, make_topic


@pytest.fixture(autouse=True)
def _english():
    # A request under /cy/ leaves Welsh active in the thread; reverse() would then build /cy/ URLs.
    with translation.override("en"):
        yield


def _established(user):
    # The shared fixtures' users signed up "just now"; forum tests treat them as regulars
    # (new-account limits are tested with `newcomer`).
    user.date_joined = timezone.now() - timedelta(days=90)
    user.save(update_fields=["date_joined"])
    return user


@pytest.fixture
def customer(customer):
    return _established(customer)


@pytest.fixture
def other_customer(other_customer):
    return _established(other_customer)


@pytest.fixture
def forums(db):
    """{slug: Forum}: the Community category, the product forums and the private Staff lounge."""
    permissions.sync_all()
    return demo.ensure_forums()


@pytest.fixture
def email_forum(forums):
    return forums["email"]


@pytest.fixture
def staff_forum(forums):
    return forums["staff-lounge"]


@pytest.fixture
def question(email_forum, customer):
    """A customer's question with no replies yet."""
    return make_topic(email_forum, customer, subject="Mail still arrives in the old mailbox")


@pytest.fixture
def answered(question, other_customer, moderator):
    """The question with two replies: one by another customer, one by a moderator."""
    first = make_reply(question, other_customer, "Delete the old MX record.")
    second = make_reply(question, moderator, "Also set mail routing to remote.")
    question.refresh_from_db()
    return question, first, second


@pytest.fixture
def newcomer(db):
    """A customer who signed up just now (a "new account")."""
    user = UserFactory(username="newcomer")
    user.groups.add(Group.objects.get(name=roles.CUSTOMERS))
    return user

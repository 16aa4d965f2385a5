"""The forum fixtures (forums with synced permissions, established customers) for the page-level
security tests."""

from tests.forum.conftest import _english, customer, email_forum, forums  # noqa: F401

"""The KB and forum fixtures, for tests of whole public pages (caching, sessions, queries)."""

from tests.forum.conftest import (  # noqa: F401
    _english,
    customer,
    email_forum,
    forums,
    other_customer,
    question,
)
from tests.kb.conftest import article, category, kb_indexes  # noqa: F401

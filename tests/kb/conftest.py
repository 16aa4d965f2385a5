import pytest

from kb.setup import ensure_kb_indexes
from tests.kb.factories import make_article, make_category


@pytest.fixture
def kb_indexes(site_pages):
    """{language code: KBIndexPage}, as kb_setup / load_demo create them."""
    return ensure_kb_indexes(site_pages)


@pytest.fixture
def category(kb_indexes):
    return make_category(kb_indexes["en"], "Domains & DNS", "domains-dns", description="Point your domain.")


@pytest.fixture
def article(category):
    return make_article(category, "Point a domain to your hosting", "point-domain")

"""Each KB page type renders in each locale, with the parts readers rely on."""

import re
from html import escape

import pytest
from django.conf import settings
from django.urls import reverse

from kb.models import ArticlePage, KBCategoryPage
from tests.kb.factories import make_article, make_category, translate

LANGS = [code for code, _name in settings.LANGUAGES]

TITLES = {
    "en": "Point a domain to your hosting",
    "ne": "आफ्नो डोमेनलाई होस्टिङमा जोड्नुहोस्",
    "cy": "Cyfeirio parth at eich gwesteio",
    "lo": "ຊີ້ໂດເມນໄປຫາໂຮສຕິ້ງຂອງທ່ານ",
    "tr": "Alan adınızı barındırmaya yönlendirin",
    "lt": "Nukreipkite domeną į prieglobą",
}


@pytest.fixture
def translated(kb_indexes, category, article):
    """The category and article in all six languages, linked as translations."""
    categories, articles = {"en": category}, {"en": article}
    for code in LANGS[1:]:
        categories[code] = translate(category, code, f"DNS ({code})")
        articles[code] = translate(article, code, TITLES[code])
    return categories, articles


@pytest.mark.parametrize("lang", LANGS)
def test_kb_index_renders_in_each_locale(client, translated, kb_indexes, lang):
    categories, articles = translated
    response = client.get(f"/{lang}/kb/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{lang}"' in html
    assert kb_indexes[lang].title in html
    assert escape(categories[lang].title) in html
    assert articles[lang].url in html  # in "Most viewed" / "Recently updated"
    assert kb_indexes[lang].url == f"/{lang}/kb/"


@pytest.mark.parametrize("lang", LANGS)
def test_category_renders_in_each_locale(client, translated, lang):
    categories, articles = translated
    response = client.get(categories[lang].url)
    assert response.status_code == 200
    html = response.content.decode()
    assert escape(categories[lang].title) in html
    assert articles[lang].title in html and articles[lang].summary in html
    assert "kb-icon" in html  # the category icon


@pytest.mark.parametrize("lang", LANGS)
def test_article_renders_in_each_locale(client, translated, lang):
    _categories, articles = translated
    page = articles[lang]
    response = client.get(page.url)
    assert response.status_code == 200
    html = response.content.decode()
    assert f"<h1 id=\"kb-article-title\">{page.title}</h1>" in html
    # Body blocks: code with a copy button, callout, table.
    assert "dig +short example.com A" in html and "data-kb-copy" in html
    assert "kb-callout-warning" in html
    assert "192.0.2.10" in html
    # Still need help: community and contact support.
    assert reverse("forum:index") in html
    assert reverse("tickets:contact") in html
    assert "kb-feedback" in html


def test_article_toc_anchors_match_headings(client, article):
    html = client.get(article.url).content.decode()
    assert '<h2 id="add-the-record" class="kb-heading">Add the record</h2>' in html
    assert '<a href="#add-the-record">Add the record</a>' in html
    assert '<a href="#check-it-works">Check it works</a>' in html


def test_non_latin_headings_get_unique_anchors(client, category):
    body = [
        {"type": "heading", "value": {"text": "ການຕັ້ງຄ່າ", "level": "h2"}},
        {"type": "paragraph", "value": "<p>ກ</p>"},
        {"type": "heading", "value": {"text": "ກວດສອບ", "level": "h3"}},
    ]
    page = make_article(category, "Lao", "lao", body=body)
    html = client.get(page.url).content.decode()
    ids = re.findall(r'<h[23] id="([^"]+)" class="kb-heading">', html)
    assert ids == ["section-1", "section-2"]
    assert '<a href="#section-2">ກວດສອບ</a>' in html


def test_article_shows_breadcrumbs_dates_tags_and_applies_to(client, kb_indexes, category, article):
    html = client.get(article.url).content.decode()
    crumbs = html[html.index('class="kb-breadcrumbs"'):html.index("</nav>", html.index('class="kb-breadcrumbs"'))]
    assert 'href="/en/"' in crumbs and f'href="{kb_indexes["en"].url}"' in crumbs and f'href="{category.url}"' in crumbs
    assert "Last updated" in html
    assert 'href="/en/kb/?tag=dns"' in html
    assert "Shared hosting" in html


def test_subcategories_nest_one_level_only(kb_indexes, category):
    sub = make_category(category, "Transfers", "transfers")
    assert KBCategoryPage.can_create_at(kb_indexes["en"])
    assert KBCategoryPage.can_create_at(category)
    assert not KBCategoryPage.can_create_at(sub)
    assert ArticlePage.can_create_at(sub)


def test_subcategory_page_lists_its_articles_and_parent_lists_subcategory(client, category):
    sub = make_category(category, "Transfers", "transfers", description="Move a domain to us.")
    make_article(sub, "Transfer a domain in", "transfer-in")
    parent_html = client.get(category.url).content.decode()
    assert "Transfers" in parent_html and sub.url in parent_html
    sub_html = client.get(sub.url).content.decode()
    assert "Transfer a domain in" in sub_html
    assert f'href="{category.url}"' in sub_html  # breadcrumb back to the parent category


def test_tag_listing_on_kb_index(client, kb_indexes, category, article):
    make_article(category, "Untagged article", "untagged", tags=())
    html = client.get("/en/kb/?tag=dns").content.decode()
    listing = html[html.index('id="kb-tag-title"'):]
    listing = listing[: listing.index("</section>")]
    assert article.title in listing
    assert "Untagged article" not in listing


def test_draft_article_is_not_served_or_listed(client, category):
    draft = make_article(category, "Secret draft", "secret-draft", publish=False)
    assert client.get(f"{category.url}secret-draft/").status_code == 404
    assert "Secret draft" not in client.get(category.url).content.decode()
    assert not draft.live

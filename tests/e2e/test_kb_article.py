"""Knowledge base journey in a real browser: a reader reads an article, copies a command, votes "No"
with a comment (in place, without a reload); a staff member finds the comment in the Wagtail
admin. The same article in Lao and Nepali renders with the local Noto fonts (screenshots)."""

import json
import re

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from accounts import roles
from kb.demo import CONTENT_DIR, body_from_demo
from kb.models import ArticleFeedback
from kb.services import ArticleContent, create_article, update_article
from kb.setup import ensure_kb_indexes
from tests.factories import PASSWORD, UserFactory
from tests.kb.factories import make_category, translate


@pytest.fixture
def kb_site(transactional_db):
    """One demo article (with code blocks and callouts) in English, Lao and Nepali."""
    from wagtail.models import Locale, Page

    from home.site_setup import ensure_home_pages

    # A live-server test flushes the database, migration-made rows included: put Wagtail's root
    # page back if an earlier transactional test removed it.
    if Page.get_first_root_node() is None:
        locale = Locale.objects.get_or_create(language_code="en")[0]
        Page.add_root(instance=Page(title="Root", slug="root", locale=locale))

    indexes = ensure_kb_indexes(ensure_home_pages())
    item = next(a for a in json.loads((CONTENT_DIR / "kb_articles.json").read_text(encoding="utf-8"))
                if any(b["type"] == "code" for b in a["translations"]["en"]["body"])
                and {"lo", "ne"} <= set(a["translations"]))
    category = make_category(indexes["en"], "Domains & DNS", item["category"])
    pages = {}
    for code in ("en", "lo", "ne"):
        text = item["translations"][code]
        content = ArticleContent(title=text["title"], summary=text["summary"], body=body_from_demo(text["body"]),
                                 tags=tuple(item["tags"]), applies_to=item["applies_to"])
        if code == "en":
            pages[code] = create_article(category, content, slug=item["key"], publish=True)
        else:
            copy = translate(pages["en"], code, text["title"], publish=False)
            update_article(copy, content, publish=True)
            pages[code] = copy.__class__.objects.get(pk=copy.pk)
    staff = UserFactory(username="staff_kb", is_staff=True)
    staff.groups.add(Group.objects.get_or_create(name=roles.SUPPORT_STAFF)[0])
    return pages, staff


def test_reader_votes_no_with_comment_and_staff_reads_it(kb_site, live_server, page, screenshot):
    pages, staff = kb_site
    article = pages["en"]
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    page.goto(live_server.url + article.url)
    expect(page.get_by_role("heading", level=1)).to_have_text(article.title)
    expect(page.get_by_role("navigation", name="On this page")).to_be_visible()
    help_box = page.locator("main section", has_text="Still need help?")
    expect(help_box.get_by_role("link", name="Contact support")).to_be_visible()
    expect(page.locator("main").get_by_role("link", name="ລາວ")).to_be_visible()  # "Also available in"

    copy = page.locator("button.kb-copy").first
    copy.click()
    expect(copy).to_have_text("Copied")
    screenshot(page, "kb-01-article")

    url = page.url
    page.get_by_role("button", name="No", exact=True).click()
    comment = page.get_by_label(re.compile("What was missing"))
    expect(comment).to_be_visible()
    comment.fill("The screenshots show the old control panel.")
    page.get_by_role("button", name="Send comment").click()
    expect(page.locator("[data-kb-feedback-status]")).to_contain_text("Thank you for telling us")
    assert page.url == url  # updated in place
    screenshot(page, "kb-02-feedback")
    feedback = ArticleFeedback.objects.get(article=article)
    assert not feedback.helpful and feedback.comment == "The screenshots show the old control panel."

    # Staff read it in the admin.
    page.goto(live_server.url + "/admin/login/")
    page.locator("input[name=username]").fill(staff.username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    page.get_by_role("link", name="Article feedback").click()
    expect(page.locator("main")).to_contain_text("The screenshots show the old control panel.")
    screenshot(page, "kb-03-admin-feedback")
    page.goto(live_server.url + f"/admin/pages/{article.pk}/edit/")
    page.get_by_role("tab", name="Feedback").click()
    expect(page.locator("main")).to_contain_text("The screenshots show the old control panel.")
    screenshot(page, "kb-04-admin-article-tab")


@pytest.mark.parametrize("lang,family,sample", [("lo", "Noto Sans Lao", "ລາວ"), ("ne", "Noto Sans Devanagari", "नेपाली")])
def test_article_in_lao_and_nepali_uses_local_fonts(kb_site, live_server, page, screenshot, lang, family, sample):
    pages, _staff = kb_site
    page.goto(live_server.url + pages[lang].url)
    expect(page.get_by_role("heading", level=1)).to_have_text(pages[lang].title)
    page.evaluate("document.fonts.ready")
    loaded = page.evaluate(
        "(family) => [...document.fonts].filter(f => f.family.replace(/\"/g, '') === family && f.status === 'loaded').length",
        family,
    )
    assert loaded >= 1, f"{family} was not loaded: the text would fall back to boxes or a system font"
    assert page.evaluate("([family, sample]) => document.fonts.check(`16px \"${family}\"`, sample)", [family, sample])
    screenshot(page, f"kb-article-{lang}")


@pytest.mark.parametrize("lang,family", [("lo", "Noto Sans Lao"), ("ne", "Noto Sans Devanagari")])
def test_lao_and_nepali_names_on_an_english_page_use_their_fonts(kb_site, live_server, page, screenshot, lang, family):
    """The language links in the footer: Chromium would otherwise draw the system font's boxes."""
    page.goto(live_server.url + "/en/")
    link = page.locator(f"footer a[lang='{lang}']")
    expect(link).to_be_visible()
    assert link.evaluate("(el) => getComputedStyle(el).fontFamily").replace('"', "").startswith(family)
    page.evaluate("document.fonts.ready")
    assert page.evaluate(
        "(family) => [...document.fonts].some(f => f.family.replace(/\"/g, '') === family && f.status === 'loaded')",
        family,
    ), f"{family} was not loaded for the {lang} link"
    screenshot(page, f"home-en-footer-{lang}")


def test_a_visitor_on_a_cached_page_votes_and_switches_language(kb_site, live_server, page):
    from django.test import Client

    """The page comes from the anonymous page cache and set no cookie; the vote and the language
    switcher fetch their CSRF token when used."""
    pages, _staff = kb_site
    article = pages["en"]
    Client().get(article.url)  # another visitor had the page rendered and stored
    response = page.goto(live_server.url + article.url)
    assert response.headers.get("x-page-cache") == "hit"
    assert not page.context.cookies()
    page.get_by_role("button", name="Yes", exact=True).click()
    expect(page.locator("[data-kb-feedback-status]")).to_contain_text("Thank you")
    assert ArticleFeedback.objects.get(article=article).helpful
    page.locator("#language-select").select_option("lo")
    expect(page).to_have_url(re.compile(r"/lo/"))
    expect(page.locator("html")).to_have_attribute("lang", "lo")

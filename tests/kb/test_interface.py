"""The ArticlePage interface other apps (search, home, tickets) rely on."""

from kb.demo import body_from_demo
from kb.models import ArticleFeedback, ArticlePage, live_articles
from tests.kb.factories import make_article


def test_get_body_text_has_headings_paragraphs_code_callouts_and_tables(article):
    text = ArticlePage.objects.get(pk=article.pk).get_body_text()
    for expected in ("Log in to the control panel first.", "Add the record", "Open DNS zone and add an A record.",
                     "dig +short example.com A", "Changes can take 24 hours.", "A 192.0.2.10"):
        assert expected in text
    assert "<" not in text and "&" not in text


def test_get_body_text_decodes_entities_and_keeps_lines(category):
    page = make_article(category, "Entities", "entities", body=[
        {"type": "paragraph", "value": "<p>Fish &amp; chips</p><ul><li>one</li><li>two</li></ul>"},
    ])
    assert page.get_body_text() == "Fish & chips\none\ntwo"


def test_counters_and_helpfulness(article):
    assert article.view_count == 0
    assert article.helpfulness() == (0, 0) and article.helpful_ratio is None
    ArticleFeedback.objects.create(article=article, voter="session:a", helpful=True)
    from kb.feedback import recount

    recount(article)
    fresh = ArticlePage.objects.get(pk=article.pk)
    assert fresh.helpfulness() == (1, 0) and fresh.helpful_ratio == 1.0


def test_tag_names_and_summary(category):
    page = make_article(category, "Tagged", "tagged", tags=("ssl", "dns"), summary="Short.")
    page = ArticlePage.objects.get(pk=page.pk)
    assert page.tag_names() == ["dns", "ssl"]
    assert page.summary == "Short."


def test_live_articles_excludes_drafts_and_private(category, article):
    draft = make_article(category, "Draft", "draft", publish=False)
    ids = set(live_articles().values_list("pk", flat=True))
    assert article.pk in ids and draft.pk not in ids


def test_demo_markdown_is_rendered_and_sanitised():
    body = body_from_demo([
        {"type": "paragraph", "value": "Use **SFTP** on port `22`, see [docs](https://example.com/docs)."},
        {"type": "paragraph", "value": "<script>alert(1)</script> [x](javascript:alert(1))"},
        {"type": "callout", "value": {"kind": "tip", "text": "Keep a **backup**."}},
        {"type": "heading", "value": "Step one"},
        {"type": "code", "value": {"language": "bash", "code": "ls -la"}},
    ])
    assert "<strong>SFTP</strong>" in body[0]["value"] and "<code>22</code>" in body[0]["value"]
    assert 'href="https://example.com/docs"' in body[0]["value"]
    assert "<script>" not in body[1]["value"] and "javascript:" not in body[1]["value"]
    assert body[2] == {"type": "callout", "value": {"kind": "tip", "text": "<p>Keep a <strong>backup</strong>.</p>"}}
    assert body[3] == {"type": "heading", "value": {"text": "Step one", "level": "h2"}}
    assert body[4]["value"] == {"language": "bash", "code": "ls -la"}

"""kb.demo.load: the demo knowledge base in six languages, linked as translations, idempotent."""

import json
from io import StringIO

from wagtail.models import Revision

from kb import demo
from kb.models import ArticlePage, KBCategoryPage


def test_demo_load_creates_linked_translations_and_is_idempotent(site_pages):
    articles = json.loads((demo.CONTENT_DIR / "kb_articles.json").read_text(encoding="utf-8"))
    out = StringIO()
    demo.load(out)
    expected = sum(len(item["translations"]) for item in articles)
    assert ArticlePage.objects.live().count() == expected
    assert KBCategoryPage.objects.live().count() == 5 * 6
    assert f"kb: {expected}/{expected} articles" in out.getvalue()

    first = articles[0]
    english = ArticlePage.objects.get(locale__language_code="en", slug=first["key"])
    translations = english.get_translations()
    assert {p.locale.language_code for p in translations} == set(first["translations"]) - {"en"}
    lao = ArticlePage.objects.get(pk=translations.get(locale__language_code="lo").pk)
    assert lao.title == first["translations"]["lo"]["title"]
    assert lao.url.startswith("/lo/kb/")
    assert sorted(lao.tag_names()) == sorted(first["tags"])
    assert lao.related_articles() and all(a.locale_id == lao.locale_id for a in lao.related_articles())
    assert english.view_count > 0  # demo popularity

    counts = (ArticlePage.objects.count(), KBCategoryPage.objects.count(), Revision.objects.count())
    views = dict(ArticlePage.objects.values_list("pk", "view_count"))
    demo.load(StringIO())
    assert (ArticlePage.objects.count(), KBCategoryPage.objects.count(), Revision.objects.count()) == counts
    assert dict(ArticlePage.objects.values_list("pk", "view_count")) == views

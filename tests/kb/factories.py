"""Building KB pages for tests through the same services the import and demo use."""

from __future__ import annotations

from kb.models import ArticlePage, KBCategoryPage
from kb.services import ArticleContent, create_article, update_article

SAMPLE_BODY = [
    {"type": "paragraph", "value": "<p>Log in to the <b>control panel</b> first.</p>"},
    {"type": "heading", "value": {"text": "Add the record", "level": "h2"}},
    {"type": "paragraph", "value": "<p>Open <code>DNS zone</code> and add an A record.</p>"},
    {"type": "code", "value": {"language": "shell", "code": "dig +short example.com A"}},
    {"type": "heading", "value": {"text": "Check it works", "level": "h2"}},
    {"type": "callout", "value": {"kind": "warning", "text": "<p>Changes can take <b>24 hours</b>.</p>"}},
    {
        "type": "table",
        "value": {
            "data": [["Type", "Value"], ["A", "192.0.2.10"]],
            "first_row_is_table_header": True,
            "first_col_is_header": False,
            "table_caption": "",
        },
    },
]


def make_category(parent, title: str, slug: str, icon: str = "globe", description: str = "") -> KBCategoryPage:
    category = parent.add_child(
        instance=KBCategoryPage(title=title, slug=slug, icon=icon, description=description, live=False)
    )
    category.save_revision().publish()
    return KBCategoryPage.objects.get(pk=category.pk)


def make_article(parent, title: str, slug: str | None = None, *, body=None, summary: str = "A short summary.",
                 tags=("dns",), applies_to=("shared",), publish: bool = True) -> ArticlePage:
    content = ArticleContent(
        title=title, summary=summary, body=list(body or SAMPLE_BODY), tags=tuple(tags), applies_to=list(applies_to)
    )
    article = create_article(parent, content, slug=slug or title, publish=publish)
    return ArticlePage.objects.get(pk=article.pk)


def translate(page, locale_code: str, title: str, *, publish: bool = True, **fields):
    """A Wagtail translation of `page` (same translation_key) with its own title, optionally published."""
    from wagtail.models import Locale

    locale = Locale.objects.get(language_code=locale_code)
    parent = page.get_parent()
    if parent.get_translation_or_none(locale) is None:  # translate the category first, as staff would
        translate(parent.specific, locale_code, parent.title)
    copy = page.copy_for_translation(locale)
    copy = copy.specific
    if isinstance(copy, ArticlePage):
        content = ArticleContent(
            title=title, summary=fields.get("summary", copy.summary), body=list(copy.body.raw_data)
        )
        update_article(copy, content, publish=publish)
        return ArticlePage.objects.get(pk=copy.pk)
    copy.title = title
    for name, value in fields.items():
        setattr(copy, name, value)
    revision = copy.save_revision()
    if publish:
        revision.publish()
    return type(copy).objects.get(pk=copy.pk)

"""Demo knowledge base: categories and articles in six languages, linked as translations.

Reads home/demo_content/kb_categories.json and kb_articles.json (format in the team's
DEMO_FORMAT.md). English pages are created first; the other languages are Wagtail translations of
them (copy_for_translation: same translation_key), then filled with the translated text and
published. Idempotent: pages are found by slug / translation, and saved (as a new revision) only
when their content differs from the JSON, so a second run changes nothing.
"""

from __future__ import annotations

import json
import zlib
from pathlib import Path
from typing import TextIO

import markdown
from django.conf import settings
from django.db import transaction
from wagtail.models import Locale

from helpcenter.markup import clean_html
from kb.models import ArticlePage, CategoryIcon, KBCategoryPage
from kb.services import ArticleContent, create_article, update_article
from kb.setup import ensure_kb_indexes

CONTENT_DIR = Path(settings.BASE_DIR) / "home" / "demo_content"
RELATED_PER_ARTICLE = 3


def _inline_markdown(text: str) -> str:
    """A demo paragraph (inline Markdown) as rich-text HTML."""
    return clean_html(markdown.markdown(text, extensions=["sane_lists"], output_format="html")).strip()


def body_from_demo(blocks: list[dict]) -> list[dict]:
    """DEMO_FORMAT blocks -> raw StreamField data for ArticlePage.body."""
    body = []
    for block in blocks:
        kind, value = block["type"], block["value"]
        if kind == "heading":
            body.append({"type": "heading", "value": {"text": value, "level": "h2"}})
        elif kind == "paragraph":
            body.append({"type": "paragraph", "value": _inline_markdown(value)})
        elif kind == "code":
            body.append({"type": "code", "value": {"language": value.get("language", ""), "code": value["code"]}})
        elif kind == "callout":
            body.append(
                {"type": "callout", "value": {"kind": value.get("kind", "note"), "text": _inline_markdown(value["text"])}}
            )
        else:
            raise ValueError(f"unknown demo block type {kind!r}")
    return body


def _read(name: str) -> list[dict]:
    path = CONTENT_DIR / name
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise FileNotFoundError(f"kb demo content is missing: {path}") from exc


def _publish_category(page: KBCategoryPage, title: str, description: str, icon: str) -> bool:
    """Bring a category up to date; True if it changed."""
    live = page.live and not page.has_unpublished_changes
    if live and (page.title, page.description, page.icon) == (title, description, icon):
        return False
    page.title, page.description, page.icon = title, description, icon
    page.save_revision().publish()
    return True


def load_categories(indexes: dict, stdout: TextIO) -> dict[str, dict[str, KBCategoryPage]]:
    data = _read("kb_categories.json")
    known_icons = {choice.value for choice in CategoryIcon}
    pages: dict[str, dict[str, KBCategoryPage]] = {}
    for number, item in enumerate(data, start=1):
        key = item["key"]
        icon = item.get("icon") if item.get("icon") in known_icons else CategoryIcon.BOOK.value
        english = KBCategoryPage.objects.child_of(indexes["en"]).filter(slug=key).first()
        created = changed = 0
        if english is None:
            english = indexes["en"].add_child(
                instance=KBCategoryPage(title=item["title"]["en"], slug=key, icon=icon, live=False)
            )
            created += 1
        english = english.specific
        changed += _publish_category(english, item["title"]["en"], item.get("description", {}).get("en", ""), icon)
        pages[key] = {"en": english}
        for code, index in indexes.items():
            if code == "en" or code not in item["title"]:
                continue
            page = english.get_translation_or_none(index.locale)
            if page is None:
                page = english.copy_for_translation(index.locale)
                created += 1
            page = page.specific
            changed += _publish_category(page, item["title"][code], item.get("description", {}).get(code, ""), icon)
            pages[key][code] = page
        stdout.write(f"kb: category {number}/{len(data)} {key}: {len(pages[key])} languages, "
                     f"{created} created, {max(changed - created, 0)} updated\n")
    return pages


def _seed_views(article: ArticlePage, key: str) -> None:
    # Demo popularity, so "Most viewed" lists differ: deterministic, and only on a fresh article.
    views = 20 + zlib.crc32(f"{key}:{article.locale.language_code}".encode()) % 480
    ArticlePage.objects.filter(pk=article.pk, view_count=0).update(view_count=views)


def load_articles(categories: dict, stdout: TextIO) -> None:
    data = _read("kb_articles.json")
    total = sum(len(item["translations"]) for item in data)
    done = 0
    locales = {locale.language_code: locale for locale in Locale.objects.all()}
    pages: dict[str, dict[str, ArticlePage]] = {}

    for item in data:
        key, category = item["key"], categories[item["category"]]
        results = []
        english_content = _content(item, "en")
        english = ArticlePage.objects.child_of(category["en"]).filter(slug=key).first()
        if english is None:
            english = create_article(category["en"], english_content, slug=key, publish=True)
            results.append("en created")
        else:
            english = english.specific
            results.append(f"en {update_article(english, english_content, publish=True)}")
        _seed_views(english, key)
        pages[key] = {"en": english}
        done += 1
        for code in item["translations"]:
            if code == "en" or code not in category:
                continue
            page = english.get_translation_or_none(locales[code])
            if page is None:
                page = english.copy_for_translation(locales[code])
                status = "created"
                update_article(page.specific, _content(item, code), publish=True)
            else:
                status = update_article(page.specific, _content(item, code), publish=True)
            page = ArticlePage.objects.get(pk=page.pk)
            _seed_views(page, key)
            pages[key][code] = page
            results.append(f"{code} {status}")
            done += 1
        stdout.write(f"kb: {done}/{total} articles; {key}: " + ", ".join(results) + "\n")

    # Related articles: the other articles of the same category, in each language.
    by_category: dict[str, list[str]] = {}
    for item in data:
        by_category.setdefault(item["category"], []).append(item["key"])
    linked = 0
    for item in data:
        siblings = [k for k in by_category[item["category"]] if k != item["key"]][:RELATED_PER_ARTICLE]
        for code, page in pages[item["key"]].items():
            related = [pages[k][code] for k in siblings if code in pages[k]]
            content = _content(item, code)
            content.related = related
            if update_article(page, content, publish=True) != "unchanged":
                linked += 1
    stdout.write(f"kb: related articles set on {linked} page(s)\n")


def _content(item: dict, code: str) -> ArticleContent:
    text = item["translations"][code]
    return ArticleContent(
        title=text["title"],
        summary=text["summary"],
        body=body_from_demo(text["body"]),
        tags=tuple(item.get("tags", [])),
        applies_to=list(item.get("applies_to", [])),
        search_description=text["summary"],
    )


@transaction.atomic
def load(stdout: TextIO) -> None:
    indexes = ensure_kb_indexes()
    stdout.write(f"kb: knowledge base index in {len(indexes)} languages\n")
    categories = load_categories(indexes, stdout)
    load_articles(categories, stdout)

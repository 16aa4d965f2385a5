"""Small text helpers shared by the page models, the importer and the demo loader."""

import html
import re

from django.utils.text import slugify

_BLOCK_END = re.compile(r"(?i)<\s*(br|/p|/li|/h[1-6]|/div|/tr|/blockquote|/pre|/dt|/dd|/table)\b[^>]*>")
_CELL_END = re.compile(r"(?i)<\s*/t[dh]\b[^>]*>")
_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")


def html_to_text(value: str) -> str:
    """Plain text of an HTML fragment: block ends become line breaks, tags go, entities decode."""
    if not value:
        return ""
    value = _BLOCK_END.sub("\n", value)
    value = _CELL_END.sub(" ", value)
    value = html.unescape(_TAG.sub("", value))
    lines = (_SPACES.sub(" ", line).strip() for line in value.split("\n"))
    return "\n".join(line for line in lines if line)


def truncate_words(text: str, limit: int) -> str:
    """At most `limit` characters, cut at a word boundary when there is one, with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rfind(" ")]
    return cut.rstrip(" ,.;:") + "…"


def anchor_ids(texts: list[str]) -> list[str]:
    """Stable, unique fragment ids for headings.

    ASCII slugs where the heading has Latin letters (readable links: #set-up-dkim); for scripts that
    slugify would reduce to nothing (Lao, Devanagari) a numbered id, so no anchor is empty or shared.
    """
    seen: set[str] = set()
    ids = []
    for position, text in enumerate(texts, start=1):
        base = slugify(text)[:60].strip("-") or f"section-{position}"
        anchor, n = base, 2
        while anchor in seen:
            anchor, n = f"{base}-{n}", n + 1
        seen.add(anchor)
        ids.append(anchor)
    return ids

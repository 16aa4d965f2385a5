"""The one renderer for user-written content: forum posts, signatures, ticket messages and
promoted articles. Markdown -> HTML -> bleach with a small allowlist.

Markdown may pass raw HTML through; bleach then escapes every tag and attribute that is not on
the allowlist (shown as text, so nothing the author typed silently disappears) and drops unsafe
URL schemes, whatever Markdown produced. Cleaning twice gives
the same output as cleaning once.
"""

import html as html_module
import re
from functools import lru_cache

import bleach
import markdown
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe
from markdown.treeprocessors import Treeprocessor

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4",
        "h5", "h6", "hr", "i", "kbd", "li", "ol", "p", "pre", "s", "strong", "sub", "sup",
        "table", "tbody", "td", "th", "thead", "tr", "ul", "span", "div", "dl", "dt", "dd",
    }
)
# Fenced code blocks carry their language as class="language-xyz"; no other class is kept, so
# user content can never borrow the site's own classes (fake buttons, hidden text, notices).
_CODE_CLASS = re.compile(r"language-[A-Za-z0-9_+#.-]{1,32}")


def _code_attribute(tag: str, name: str, value: str) -> bool:
    return name == "class" and _CODE_CLASS.fullmatch(value) is not None


ALLOWED_ATTRIBUTES = {
    "a": ["href", "title", "rel"],
    "abbr": ["title"],
    "code": _code_attribute,
    "th": ["align"],
    "td": ["align"],
}
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow ugc noopener"


def _set_link_rel(attrs: dict, new: bool = False) -> dict:
    attrs[(None, "rel")] = LINK_REL
    return attrs


@lru_cache(maxsize=1)
def _cleaner() -> bleach.Cleaner:
    return bleach.Cleaner(
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        protocols=ALLOWED_PROTOCOLS,
        strip=False,
        strip_comments=True,
        filters=[lambda source: bleach.linkifier.LinkifyFilter(
            source, callbacks=[_set_link_rel], skip_tags={"pre", "code"}, parse_email=False
        )],
    )


# Markdown input longer than this is truncated before rendering (forms refuse far less).
MAX_INPUT_CHARS = 100_000


class _ImagesAsLinks(Treeprocessor):
    """`![alt](url)` becomes a link to the image: remote images in user content would let a
    poster track who reads the thread, so we show a link instead of escaped <img> text."""

    def run(self, root):
        for element in root.iter("img"):
            src = element.get("src", "")
            alt = element.get("alt", "") or src
            element.tag = "a"
            element.attrib.clear()
            element.set("href", src)
            element.text = alt


class _ImagesAsLinksExtension(markdown.Extension):
    def extendMarkdown(self, md):
        md.treeprocessors.register(_ImagesAsLinks(md), "images_as_links", 0)


def _markdown_to_html(text: str) -> str:
    md = markdown.Markdown(
        extensions=["fenced_code", "tables", "sane_lists", "nl2br", _ImagesAsLinksExtension()],
        output_format="html",
    )
    return md.convert(text)


def clean_html(html: str) -> str:
    """Sanitize HTML that is already rendered. Idempotent."""
    return _cleaner().clean(html)


def render_markdown(text: str | None) -> SafeString:
    """Render user Markdown to safe HTML (the MACHINA_MARKUP_LANGUAGE callable)."""
    if not text:
        return mark_safe("")
    text = text[:MAX_INPUT_CHARS].replace("\x00", "")
    return mark_safe(clean_html(_markdown_to_html(text)))


def plain_text(html: str | None) -> str:
    """The readable text of rendered HTML, as a plain (unsafe) string.

    For user content that goes into an attribute, `<title>` or a meta tag: `striptags` keeps
    rendered HTML marked safe, so a `"` in a post would end the attribute. Here tags are removed,
    entities decoded, and the result is an ordinary string that autoescaping escapes for its
    context.
    """
    if not html:
        return ""
    text = html_module.unescape(strip_tags(str(html)))
    return " ".join(text.split())

"""Turn Markdown, HTML and plain-text files into article content (used by `manage.py kb_import`).

Conversion: headings become heading blocks, <pre> becomes code blocks, tables become table blocks,
and everything else between them becomes rich-text paragraphs sanitised with
helpcenter.markup.clean_html. The title is the first heading when the document starts with one,
else the HTML <title>, else the first line of text.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from pathlib import Path

import markdown
from bs4 import BeautifulSoup, NavigableString, Tag

from helpcenter.markup import clean_html
from kb.text import html_to_text, truncate_words

SUFFIXES = {
    ".md": "markdown",
    ".markdown": "markdown",
    ".html": "html",
    ".htm": "html",
    ".txt": "text",
}
TITLE_MAX = 255
SUMMARY_MAX = 300

_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_WRAPPERS = {"html", "body", "main", "article", "section", "div", "header", "footer"}
_DROPPED = {"head", "script", "style", "nav", "noscript", "template", "iframe", "form", "svg", "math"}
_LANGUAGE_CLASS = re.compile(r"^(?:language|lang)-([\w+#.-]{1,30})$")


class ImportFailed(Exception):
    """A file that can't be imported; the message says why, for the per-file report."""


@dataclass
class ParsedArticle:
    title: str
    summary: str
    body: list[dict] = field(default_factory=list)  # raw StreamField data
    skipped_images: int = 0


def read_source(path: Path) -> str:
    """The file's text, or ImportFailed naming the reason (unreadable, empty, binary, not UTF-8)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImportFailed(f"cannot read the file ({exc.strerror or exc})") from exc
    if not data.strip():
        raise ImportFailed("the file is empty")
    if b"\x00" in data:
        raise ImportFailed("the file looks binary (it contains NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFailed(
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save the file as UTF-8 and import it again"
        ) from exc
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_file(path: Path) -> ParsedArticle:
    kind = SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise ImportFailed(f"unsupported file type {path.suffix or '(none)'}; use .md, .html or .txt")
    text = read_source(path)
    parse = {"markdown": parse_markdown, "html": parse_html}.get(kind, parse_plain_text)
    try:
        return parse(text)
    except RecursionError as exc:
        # The parsers walk the element tree recursively; a document nested thousands of levels
        # deep (rare by hand, common in generated or hostile files) exhausts Python's stack.
        raise ImportFailed(
            "the document is nested too deeply to import (thousands of elements inside each "
            "other); simplify its structure"
        ) from exc


def parse_markdown(text: str) -> ParsedArticle:
    converter = markdown.Markdown(extensions=["fenced_code", "tables", "sane_lists"], output_format="html")
    return parse_html(converter.convert(text))


def parse_plain_text(text: str) -> ParsedArticle:
    lines = text.split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    if not lines:
        raise ImportFailed("the file has no text")
    title = lines[0].strip().lstrip("#").strip()
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", "\n".join(lines[1:])) if p.strip()]
    body = [
        {"type": "paragraph", "value": "<p>" + html.escape(p).replace("\n", "<br>") + "</p>"}
        for p in paragraphs
    ]
    return _finish(title, body, skipped_images=0)


def parse_html(source: str) -> ParsedArticle:
    soup = BeautifulSoup(source, "html.parser")
    for tag in soup.find_all(_DROPPED):
        if tag.name == "head":
            continue
        tag.decompose()
    page_title = soup.title.get_text(" ", strip=True) if soup.title else ""
    if soup.head:
        soup.head.decompose()
    elif soup.title:
        soup.title.decompose()

    title = _take_title(soup, page_title)
    if not title:
        raise ImportFailed("no title found: the document has no heading and no text to take one from")
    builder = _BlockBuilder()
    builder.walk(soup)
    return _finish(title, builder.finish(), skipped_images=builder.skipped_images)


def _first_content(node):
    """The first element or text with visible content, looking inside wrapper elements."""
    for child in node.children:
        if isinstance(child, NavigableString):
            if child.__class__ is NavigableString and child.strip():
                return child
            continue
        if isinstance(child, Tag) and child.get_text(strip=True):
            if child.name.lower() in _WRAPPERS:
                return _first_content(child)
            return child
    return None


def _take_title(soup: BeautifulSoup, page_title: str) -> str:
    """The title, removed from the document when it is a heading or a paragraph of its own:
    the first heading if the document starts with one, else <title>, else the first line."""
    first = _first_content(soup)
    if isinstance(first, Tag) and first.name.lower() in _HEADINGS:
        title = first.get_text(" ", strip=True)
        first.decompose()
        return title
    if page_title:
        return page_title
    if first is None:
        return ""
    text = (str(first) if isinstance(first, NavigableString) else first.get_text("\n")).strip()
    line = text.split("\n", 1)[0].strip()
    if line == text:
        first.extract()
    return line


def _finish(title: str, body: list[dict], skipped_images: int) -> ParsedArticle:
    title = " ".join(title.split())
    if len(title) > TITLE_MAX:
        title = truncate_words(title, TITLE_MAX)
    if not body:
        raise ImportFailed(f"only a title ({title!r}) and no article text")
    first_text = next(
        (html_to_text(b["value"]) for b in body if b["type"] == "paragraph" and html_to_text(b["value"])),
        "",
    )
    summary = truncate_words(first_text or title, SUMMARY_MAX)
    return ParsedArticle(title=title, summary=summary, body=body, skipped_images=skipped_images)


class _BlockBuilder:
    """Walks the HTML tree, collecting rich text until a heading, code block or table ends it."""

    def __init__(self):
        self.blocks: list[dict] = []
        self.buffer: list[str] = []
        self.skipped_images = 0

    def walk(self, node):
        for child in list(node.children):
            if isinstance(child, NavigableString):
                if child.__class__ is NavigableString and child.strip():
                    self.buffer.append(f"<p>{html.escape(child.strip())}</p>")
                continue
            if not isinstance(child, Tag):
                continue
            if self.element(child):
                continue
            name = child.name.lower()
            if name in _HEADINGS:
                text = child.get_text(" ", strip=True)
                if text:
                    self.flush()
                    level = "h2" if name in {"h1", "h2"} else "h3"
                    self.blocks.append({"type": "heading", "value": {"text": text[:200], "level": level}})
            elif name == "pre":
                self.flush()
                self.blocks.append({"type": "code", "value": self.code_value(child)})
            elif name == "table":
                self.flush()
                table = self.table_value(child)
                if table:
                    self.blocks.append({"type": "table", "value": table})
            elif name in _WRAPPERS:
                self.walk(child)
            elif name == "img":
                self.skipped_images += 1
            else:
                self.skipped_images += len(child.find_all("img"))
                self.buffer.append(str(child))

    def element(self, tag: Tag) -> bool:
        """A hook for subclasses: turn `tag` into blocks and return True, or leave it to walk()."""
        return False

    def flush(self):
        if not self.buffer:
            return
        cleaned = clean_html("".join(self.buffer)).strip()
        self.buffer = []
        if html_to_text(cleaned):
            self.blocks.append({"type": "paragraph", "value": cleaned})

    def finish(self) -> list[dict]:
        self.flush()
        return self.blocks

    @staticmethod
    def code_value(pre: Tag) -> dict:
        language = ""
        code = pre.find("code") or pre
        for element in (code, pre):
            for css_class in element.get("class") or []:
                match = _LANGUAGE_CLASS.match(css_class)
                if match:
                    language = match.group(1).lower()
                    break
            if language:
                break
        return {"language": language, "code": code.get_text().strip("\n")}

    @staticmethod
    def table_value(table: Tag) -> dict | None:
        rows = []
        header = False
        for index, tr in enumerate(table.find_all("tr")):
            cells = tr.find_all(["th", "td"])
            if index == 0 and cells and all(c.name == "th" for c in cells):
                header = True
            rows.append([c.get_text(" ", strip=True) for c in cells])
        if not rows:
            return None
        width = max(len(r) for r in rows)
        rows = [r + [""] * (width - len(r)) for r in rows]
        caption = table.find("caption")
        return {
            "data": rows,
            "first_row_is_table_header": header,
            "first_col_is_header": False,
            "table_caption": caption.get_text(" ", strip=True) if caption else "",
        }

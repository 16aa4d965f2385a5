"""Snippets with highlighted query words, safe to insert as HTML.

Everything from the document is escaped; the only markup in a snippet is our own `<mark>`.
Backends that highlight natively (Elasticsearch) may still use this to keep snippets identical.
"""

from __future__ import annotations

from html import escape  # the C implementation: Django's lazy-aware wrapper is 10x slower here

from search.analysis import AnalyzedQuery, Token, iter_matches, normalize

SNIPPET_CHARS = 220
SUGGEST_SNIPPET_CHARS = 120  # one line under a suggestion


def snippet(text: str, language: str | None, query: AnalyzedQuery, max_chars: int = SNIPPET_CHARS) -> str:
    """The window of `text` with the most distinct query words, matches in <mark>, escaped."""
    text = " ".join(normalize(text).split())
    if not text:
        return ""
    # Look for matches in the first stretch of text only (longer for longer snippets): the best
    # passage is nearly always early, and scanning a whole long thread costs per result.
    scan = max_chars * 40
    matches = list(iter_matches(text, language, query, max_chars=scan)) if not query.is_empty else []
    if not matches:
        return _escape_cut(text, 0, max_chars)
    start = _best_window_start(matches, max_chars)
    # Start a few words before the first match so it reads as a sentence (or at the very start).
    lead = max_chars // 5
    if start <= lead:
        start = 0
    else:
        space = text.find(" ", start - lead, start)
        start = space + 1 if space >= 0 else start
    end = min(len(text), start + max_chars)
    if end < len(text):
        space = text.rfind(" ", start + max_chars // 2, end)
        end = space if space > 0 else end
    window = [m for m in matches if m.start >= start and m.end <= end]
    return _render(text, start, end, window)


def highlight(text: str, language: str | None, query: AnalyzedQuery) -> str:
    """All of `text` (a title), escaped, with matching words in <mark>."""
    text = normalize(text)
    matches = list(iter_matches(text, language, query)) if not query.is_empty else []
    return _render(text, 0, len(text), matches, ellipsis=False)


def _best_window_start(matches: list[Token], max_chars: int) -> int:
    best_start, best_score = matches[0].start, -1
    for i, first in enumerate(matches):
        words: set[str] = set()
        for token in matches[i:]:
            if token.end - first.start > max_chars:
                break
            words.add(token.lower)
        if len(words) > best_score:
            best_start, best_score = first.start, len(words)
    return best_start


def _render(text: str, start: int, end: int, matches: list[Token], ellipsis: bool = True) -> str:
    out: list[str] = []
    if ellipsis and start > 0:
        out.append("… ")
    position = start
    for token in matches:
        if token.start < position:
            continue
        out.append(escape(text[position:token.start]))
        out.append(f"<mark>{escape(text[token.start:token.end])}</mark>")
        position = token.end
    out.append(escape(text[position:end]))
    if ellipsis and end < len(text):
        out.append(" …")
    return "".join(out)


def _escape_cut(text: str, start: int, max_chars: int) -> str:
    end = min(len(text), start + max_chars)
    if end < len(text):
        space = text.rfind(" ", start + max_chars // 2, end)
        end = space if space > 0 else end
    return _render(text, start, end, [])

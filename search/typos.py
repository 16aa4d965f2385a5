"""Typo tolerance for the embedded backend: a typed word the index does not hold is widened with
the index's own words one edit away, and the search page offers "Did you mean: …".

A word is corrected only when none of its terms (surface, folded, stems, synonyms) is in the
index: a word that exists is never corrected, however rare, nor an inflection whose stem is
indexed. (Turkish five-letter prefixes don't count: they exist to be loose, and `migrasion`
shares `migra` with real words.) Only words of MIN_WORD_CHARS to MAX_WORD_CHARS
letters are corrected (short words have too many neighbours to guess from), and never a
half-typed last word in suggest (its prefix already completes it). Scripts written without spaces
(Lao, Thai, CJK) are left alone: their "words" come from a dictionary segmenter, and an edit there
changes where words begin and end rather than one word's spelling.

Candidates are every string one edit away from the folded word (Damerau-Levenshtein: insertion,
deletion, substitution or transposition of adjacent letters) over the letters of its script;
the index answers which exist in one lookup (about 450 strings for an 8-letter Latin word). Of
those that exist, the reader's language's words come first (the candidate's stem, marked with the
reader's language, is in the index), then the most frequent. The best MAX_CORRECTIONS candidates'
terms join the word's alternatives, so the document holding the intended word matches; the best
one makes the "Did you mean" text.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from search.analysis import (
    TURKISH_PREFIX_MARK,
    AnalyzedQuery,
    QueryGroup,
    fold,
    query_word_terms,
    tokenize,
    word_terms,
    written_without_spaces,
)

MIN_WORD_CHARS = 5
MAX_WORD_CHARS = 24  # longer "words" (pasted hashes, URLs) are not worth ~1 500 candidates
MAX_CORRECTIONS = 2
# Words corrected per query, the longest first: each costs one index lookup per candidate (~450 for
# an 8-letter word; SQLite's vocabulary answers ~3 µs per term once the worker has merged the index's
# segments, ~20 µs with many small ones).
MAX_CORRECTED_WORDS = 8
LATIN = "abcdefghijklmnopqrstuvwxyz"
# Devanagari letters, vowel signs and marks (Nepali), without digits and punctuation.
DEVANAGARI = "".join(
    chr(code) for code in range(0x0900, 0x0980)
    if unicodedata.category(chr(code))[0] in "LM" and unicodedata.name(chr(code), "")
)

# term -> number of documents holding it (only terms the index holds are returned)
Lookup = Callable[[list[str]], dict[str, int]]


@dataclass(frozen=True)
class Corrected:
    """A query with its unknown words widened, and what the reader probably meant."""

    analyzed: AnalyzedQuery
    corrections: dict[str, str]  # typed word (lowercased, folded) -> best correction

    def did_you_mean(self) -> str:
        """The query's text with each corrected word replaced; "" when nothing was corrected."""
        if not self.corrections:
            return ""
        text = self.analyzed.text
        out, position = [], 0
        for token in tokenize(text, self.analyzed.language):
            correction = self.corrections.get(fold(token.text.lower()))
            if correction:
                out += [text[position:token.start], correction]
                position = token.end
        return "".join(out) + text[position:]


def alphabet(word: str) -> str:
    """The letters an edit of `word` may insert or substitute: its script's ("" when the word
    is in a script we don't correct)."""
    if word.isascii() and word.isalpha():
        return LATIN
    if all("\u0900" <= ch <= "\u097f" for ch in word):
        return DEVANAGARI
    return ""


def edits(word: str) -> set[str]:
    """Every string one Damerau-Levenshtein edit away from `word` over its script's letters."""
    letters = alphabet(word)
    if not letters:
        return set()
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {left + right[1:] for left, right in splits if right}
    transposes = {left + right[1] + right[0] + right[2:] for left, right in splits if len(right) > 1}
    substitutes = {left + ch + right[1:] for left, right in splits if right for ch in letters if ch != right[0]}
    inserts = {left + ch + right for left, right in splits for ch in letters}
    return (deletes | transposes | substitutes | inserts) - {word}


def correctable(group: QueryGroup) -> str:
    """The folded word to correct for this group, or "" when it must not be corrected."""
    if group.prefixes or group.stopword or written_without_spaces(group.word):
        return ""
    word = fold(group.word.lower())
    if not MIN_WORD_CHARS <= len(word) <= MAX_WORD_CHARS or not alphabet(word):
        return ""
    return word


def correct(analyzed: AnalyzedQuery, known: Iterable[str], lookup: Lookup) -> Corrected:
    """Widen each correctable word none of whose terms is `known` (the terms the index holds, as
    the backend already looked them up) with its best corrections from the index (`lookup`)."""
    known = set(known)
    unknown = {group: word for group in analyzed.groups
               if (word := correctable(group))
               and not known.intersection(t for t in group.terms if not t.startswith(TURKISH_PREFIX_MARK))}
    if not unknown:
        return Corrected(analyzed, {})
    longest = sorted(set(unknown.values()), key=lambda word: (-len(word), word))[:MAX_CORRECTED_WORDS]
    unknown = {group: word for group, word in unknown.items() if word in longest}
    candidates = {word: sorted(edits(word)) for word in set(unknown.values())}
    found = lookup(sorted({c for words in candidates.values() for c in words}))
    if not found:
        return Corrected(analyzed, {})
    language = analyzed.language
    # Which found candidates are words of the reader's language: their marked stem is indexed.
    marked = {c: [t for t in word_terms(c, language)[1:] if "_" in t] for c in found} if language else {}
    in_language = lookup(sorted({t for terms in marked.values() for t in terms})) if marked else {}
    best: dict[str, list[str]] = {}
    for word, options in candidates.items():
        present = [c for c in options if c in found]
        present.sort(key=lambda c: (not any(t in in_language for t in marked.get(c, ())), -found[c], c))
        if present:
            best[word] = present[:MAX_CORRECTIONS]
    groups = []
    corrections: dict[str, str] = {}
    for group in analyzed.groups:
        word = unknown.get(group)
        if word in best:
            extra = [term for option in best[word] for term in query_word_terms(option, language)]
            group = QueryGroup(group.word, tuple(dict.fromkeys(group.terms + tuple(extra))), group.prefixes,
                               group.stopword)
            corrections[word] = best[word][0]
        groups.append(group)
    return Corrected(replace(analyzed, groups=tuple(groups)), corrections)

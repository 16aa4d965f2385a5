"""Text to search terms: one code path for documents and for queries.

Pipeline for a piece of text in language `lang`:

1. Unicode NFKC normalisation (full-width forms, ligatures, compatibility characters).
2. Word segmentation. A fast regular expression finds runs of letters, digits and combining marks;
   runs that contain characters of scripts written without spaces (Lao, Thai, Khmer, Myanmar, CJK)
   are segmented with ICU's dictionary-based word breaker (icu4py), so a single Lao word inside an
   unspaced Lao sentence becomes its own token. Punctuation inside a run never joins words
   (`example.com` -> `example`, `com`); a hyphenated pair also yields the joined form (`e-mail`
   -> `email`).
3. Language-aware lowercasing: Turkish (and Azerbaijani) map `I`->`ı` and `İ`->`i`; every other
   language maps `İ`->`i` (Python would produce `i` + combining dot).
4. Terms per token, all emitted at the same position of the index:
   - the lowercased surface form (`canlı`);
   - the folded form when it differs: Latin diacritics removed and `ı`->`i`, `ł`->`l`, `ß`->`ss`...
     (`canli`, `ziniu`). Marks of other scripts (Devanagari vowel signs, Lao tone marks) are part of
     the letter and are kept;
   - the Snowball stem, marked with its language so that stems only meet stems of the same language
     (`lt_klient` for both `klientas` and `klientų`), plus its folded form;
   - Turkish only: the first five letters of the folded word (`tr5_sunuc`), because Turkish
     suffix chains defeat Snowball (`sunucu` -> `sunuç` but `sunucuya` -> `sunucu`); fixed-prefix
     stemming is the classic remedy for Turkish retrieval.

A document indexes every term of every token. A query turns each of its words into a *group* of
alternative terms (its surface forms under the query language's and the Turkish lowercasing, their
folded forms, and stems under every stemmer whose script fits the word, since people type in more
languages than the page they are on). A document matches a group when it holds any alternative;
a document holding the exact form also holds the folded form and the stem, so exact matches score
above folded or stemmed ones without any extra rule. Suggest marks the last, half-typed word of the
query as a prefix group.

Stemmer-less languages: Welsh (no Snowball stemmer exists) and Lao (no inflection) get the word
itself as their language-marked form (`cy_cyfrinair`), so their documents score like those of
languages with a stemmer; inflected Welsh forms (mutations) are not conflated.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer
from icu4py.breakers import WordBreaker
from icu4py.locale import Locale

from search.stopwords import BY_LANGUAGE, STOPWORDS, SYNONYMS, query_stopwords

# Bump when the terms produced for a text change: `search_reindex --quiet-if-fresh` then rebuilds.
ANALYSIS_VERSION = 3

STEMMER_NAMES = {"en": "english", "tr": "turkish", "lt": "lithuanian", "ne": "nepali"}
# Languages without a Snowball stemmer still get a language-marked form (the word itself), so a
# Welsh or Lao page matching a query scores like an English one: stems are not a bonus for some
# languages only.
IDENTITY_STEM_LANGUAGES = ("cy", "lo")
# Which stemmers may apply to a word, by the script of its first letter.
LATIN_STEMMERS = ("en", "tr", "lt", "cy")
LAO_STEMMERS = ("lo",)
DEVANAGARI_STEMMERS = ("ne",)
TURKISH_PREFIX_CHARS = 5
TURKISH_PREFIX_MARK = "tr5_"
# Longer "words" are URLs, hashes or base64 noise: indexed truncated so they cannot bloat the index.
MAX_TERM_CHARS = 48
# A query is a few words; the rest of a pasted 10 000-character text adds cost, not precision.
MAX_QUERY_WORDS = 32
MIN_PREFIX_CHARS = 2


def _mark_ranges() -> str:
    """A regex character class body for every combining mark (Mn, Mc, Me) in planes 0 and 1."""
    ranges: list[str] = []
    start = None
    for cp in range(0x20000):
        is_mark = unicodedata.category(chr(cp))[0] == "M"
        if is_mark and start is None:
            start = cp
        elif not is_mark and start is not None:
            ranges.append(f"\\U{start:08x}-\\U{cp - 1:08x}")
            start = None
    return "".join(ranges)


# Letters and digits (\w minus underscore) plus combining marks, which Python's \w leaves out but
# which are part of Devanagari and Lao words.
_WORD_RE = re.compile(rf"(?:[^\W_]|[{_mark_ranges()}])+")
# Scripts written without spaces between words: these runs go through ICU's dictionary breaker.
_COMPLEX_RE = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u1980-\u19df\u3040-\u30ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]"
)
_HYPHENS = {"-", "\u2010", "\u2011"}

# Folding beyond "remove combining marks": letters with built-in strokes or special shapes.
_FOLD_TABLE = str.maketrans(
    {
        "ı": "i",
        "ł": "l",
        "ø": "o",
        "đ": "d",
        "ð": "d",
        "ħ": "h",
        "ŧ": "t",
        "ß": "ss",
        "æ": "ae",
        "œ": "oe",
        "þ": "th",
        "ŀ": "l",
    }
)


def normalize(text: str) -> str:
    """NFKC, the form every later step expects."""
    return unicodedata.normalize("NFKC", text)


def lowercase(text: str, language: str | None) -> str:
    """Lowercase with the Turkish dotted/dotless i rules where they apply."""
    if language in ("tr", "az"):
        text = text.replace("I", "ı").replace("İ", "i")
    else:
        text = text.replace("İ", "i")
    return text.lower()


def _is_latin_base(ch: str) -> bool:
    return ch < "\u0250" or "\u1e00" <= ch <= "\u1eff"


@lru_cache(maxsize=200_000)
def fold(term: str) -> str:
    """Remove diacritics from Latin letters (`žinių` -> `ziniu`, `canlı` -> `canli`).

    Marks on letters of other scripts are kept: in Devanagari and Lao they are vowels and tones.
    """
    if term.isascii():
        return term
    decomposed = unicodedata.normalize("NFD", term.translate(_FOLD_TABLE))
    out: list[str] = []
    previous_base = ""
    for ch in decomposed:
        if unicodedata.combining(ch):
            if previous_base and _is_latin_base(previous_base):
                continue
        else:
            previous_base = ch
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


_stemmers: dict[str, snowballstemmer.stemmer] = {}


@lru_cache(maxsize=200_000)
def stem(language: str, word: str) -> str:
    """The Snowball stem of a lowercased word (memoised: word frequencies are Zipfian)."""
    if language in IDENTITY_STEM_LANGUAGES:
        return word
    stemmer = _stemmers.get(language)
    if stemmer is None:
        stemmer = _stemmers[language] = snowballstemmer.stemmer(STEMMER_NAMES[language])
    return stemmer.stemWord(word)


def _script_stemmers(word: str) -> tuple[str, ...]:
    first = word[0]
    if first.isascii() or _is_latin_base(first):
        return LATIN_STEMMERS
    if "\u0900" <= first <= "\u097f":
        return DEVANAGARI_STEMMERS
    if "\u0e80" <= first <= "\u0eff":
        return LAO_STEMMERS
    return ()


@dataclass(frozen=True)
class Token:
    """One word of a text: its place in the (NFKC-normalised) text and its index terms."""

    text: str
    start: int
    end: int
    lower: str
    joined: str | None = None  # `email` for the second half of `e-mail`


def _iter_words(text: str, language: str | None) -> Iterator[tuple[int, str]]:
    """(offset, word) for every word of NFKC-normalised `text`: the hot loop of indexing and
    highlighting, so it creates no objects beyond the strings."""
    complex_text = _COMPLEX_RE.search(text) is not None
    locale = None
    for match in _WORD_RE.finditer(text):
        run = match.group()
        if complex_text and _COMPLEX_RE.search(run):
            locale = locale or Locale(language or "en")
            offset = match.start()
            for segment in WordBreaker(run, locale):
                if _WORD_RE.fullmatch(segment):
                    yield offset, segment
                offset += len(segment)
        else:
            yield match.start(), run


def _lower(run: str, language: str | None) -> str:
    if language in ("tr", "az") or "İ" in run:
        return lowercase(run, language)[:MAX_TERM_CHARS]
    return run.lower()[:MAX_TERM_CHARS]


def tokenize(text: str, language: str | None = None) -> list[Token]:
    """Split NFKC-normalised `text` into word tokens with character offsets."""
    tokens: list[Token] = []
    previous: Token | None = None
    for start, run in _iter_words(text, language):
        lower = _lower(run, language)
        joined = None
        if previous is not None and previous.end == start - 1 and text[start - 1] in _HYPHENS:
            joined = previous.lower + lower
        previous = Token(run, start, start + len(run), lower, joined)
        tokens.append(previous)
    return tokens


def word_terms(lower: str, language: str | None) -> list[str]:
    """Every index term for one lowercased word of a document in `language`."""
    return list(_word_terms(lower, language))


@lru_cache(maxsize=300_000)
def _word_terms(lower: str, language: str | None) -> tuple[str, ...]:
    terms = [lower]
    folded = fold(lower)
    if folded != lower:
        terms.append(folded)
    # A word the stemmer removes entirely (Nepali `द्वारा`, "by", is all suffix to it) has no stem:
    # an empty one would be a term every such word shares.
    stemmed = stem(language, lower) if language in _script_stemmers(lower) else ""
    if stemmed:
        terms.append(f"{language}_{stemmed}")
        folded_stem = fold(stemmed)
        if folded_stem != stemmed:
            terms.append(f"{language}_{folded_stem}")
    if language == "tr" and len(folded) > TURKISH_PREFIX_CHARS and folded[0].isalpha():
        terms.append(f"{TURKISH_PREFIX_MARK}{folded[:TURKISH_PREFIX_CHARS]}")
    return tuple(terms)


def written_without_spaces(text: str) -> bool:
    """Does `text` hold a script written without spaces between words (Lao, Thai, CJK…)?"""
    return _COMPLEX_RE.search(text) is not None


def is_stem(term: str) -> bool:
    """Stems carry their language as a prefix (`lt_klient`); words never contain `_`."""
    return "_" in term


@lru_cache(maxsize=300_000)
def _word_terms_split(lower: str, language: str | None) -> tuple[tuple[str, ...], tuple[str, ...]]:
    terms = _word_terms(lower, language)
    return tuple(t for t in terms if "_" not in t), tuple(t for t in terms if "_" in t)


_SIMPLE_WORD_RE = re.compile(r"[^\W_]+")
_HYPHEN_PAIR_RE = re.compile(r"([^\W_]+)[-\u2010\u2011](?=([^\W_]+))")


def _simple_words(text: str, language: str | None) -> tuple[list[str], list[str]] | None:
    """Fast path for texts without combining marks or unspaced scripts (most Latin text): lowercase
    the whole text once and let the regex engine split it. None when the full path is needed."""
    if _COMPLEX_RE.search(text) or _MARK_RE.search(text):
        return None
    lowered = lowercase(text, language)
    words = [w[:MAX_TERM_CHARS] for w in _SIMPLE_WORD_RE.findall(lowered)]
    joined = [a + b for a, b in _HYPHEN_PAIR_RE.findall(lowered)] if "-" in lowered or "\u2010" in lowered \
        or "\u2011" in lowered else []
    return words, joined


def document_terms(text: str, language: str | None) -> list[str]:
    """The terms to index for a document field (terms of one word adjacent; `e-mail` also gives
    `email`)."""
    text = normalize(text)
    simple = _simple_words(text, language)
    if simple is not None:
        words, joined = simple
        return [t for w in words for t in _word_terms(w, language)] + joined
    terms: list[str] = []
    previous_end, previous_lower = -2, ""
    for start, run in _iter_words(text, language):
        lower = _lower(run, language)
        terms.extend(_word_terms(lower, language))
        if previous_end == start - 1 and text[start - 1] in _HYPHENS:
            terms.append(previous_lower + lower)  # `e-mail` is also `email`
        previous_end, previous_lower = start + len(run), lower
    return terms


def document_terms_split(text: str, language: str | None) -> tuple[list[str], list[str]]:
    """(word forms, language-marked stems) of a document field: the index keeps them in separate
    columns so stems can weigh less."""
    text = normalize(text)
    simple = _simple_words(text, language)
    if simple is None:
        terms = document_terms(text, language)
        return [t for t in terms if "_" not in t], [t for t in terms if "_" in t]
    words, joined = simple
    surfaces: list[str] = []
    stems: list[str] = []
    for word in words:
        word_surfaces, word_stems = _word_terms_split(word, language)
        surfaces += word_surfaces
        stems += word_stems
    return surfaces + joined, stems


@dataclass(frozen=True)
class QueryGroup:
    """One typed word: matched when a document holds any of `terms` or a word starting with any of
    `prefixes` (only for the last, half-typed word in suggest)."""

    word: str
    terms: tuple[str, ...]
    prefixes: tuple[str, ...] = ()
    stopword: bool = False  # a function word ("how", "nasıl"): left out when the query has others

    @property
    def all_terms(self) -> tuple[str, ...]:
        return self.terms + self.prefixes


@dataclass(frozen=True)
class AnalyzedQuery:
    text: str
    language: str | None
    groups: tuple[QueryGroup, ...] = field(default_factory=tuple)

    @property
    def is_empty(self) -> bool:
        return not self.groups

    @property
    def matching_groups(self) -> tuple[QueryGroup, ...]:
        """The groups that take part in matching: all but stopwords, or all if only stopwords."""
        content = tuple(group for group in self.groups if not group.stopword)
        return content or self.groups

    def terms(self) -> set[str]:
        return {term for group in self.matching_groups for term in group.terms}

    def prefixes(self) -> set[str]:
        return {prefix for group in self.matching_groups for prefix in group.prefixes}


@lru_cache(maxsize=16)
def _query_stopwords(language: str | None) -> frozenset[str]:
    words = query_stopwords(language)
    return words | {fold(word) for word in words}


@lru_cache(maxsize=16)
def _stem_stopwords(language: str) -> frozenset[str]:
    """Function words of a stemmer's language (and English): `canli` stems to English `can`."""
    words = BY_LANGUAGE.get(language, STOPWORDS) | BY_LANGUAGE["en"]
    return words | {fold(word) for word in words}


def word_term_sets(text: str, language: str | None) -> list[tuple[frozenset[str], bool]]:
    """(index terms, is a content word) for each word of a short text such as a title, in order;
    content words are those a query in `language` would keep (see `query_stopwords`)."""
    stopwords = _query_stopwords(language)
    words = []
    for token in tokenize(normalize(text), language):
        terms = frozenset(_word_terms(token.lower, language) + ((token.joined,) if token.joined else ()))
        content = not (token.lower in stopwords or fold(token.lower) in stopwords
                       or (len(token.lower) == 1 and token.lower.isascii()))
        words.append((terms, content))
    return words


def _query_word_terms(word: str, language: str | None) -> tuple[list[str], list[str]]:
    """Alternatives for one typed word: (all terms, surface forms usable as prefixes)."""
    lowers = [lowercase(word, language)]
    if "I" in word or "İ" in word:
        # Whatever the page language, `CANLI` should find `canlı` and `BILGI` `bilgi`.
        lowers += [lowercase(word, "tr"), lowercase(word, "en")]
    lowers = list(dict.fromkeys(lower[:MAX_TERM_CHARS] for lower in lowers))
    surfaces = list(dict.fromkeys([*lowers, *(fold(lower) for lower in lowers)]))
    terms = list(surfaces)
    # Synonyms widen the word (`mails` also finds `email`); they never become prefixes.
    lowers += [synonym for lower in surfaces for synonym in SYNONYMS.get(lower, ())]
    terms += [fold(lower) for lower in lowers]
    for lower in lowers:
        for stem_language in _script_stemmers(lower):
            for term in _word_terms(lower, stem_language)[1:]:
                # `canli` stems to English `can`: a stem that is a function word finds only noise.
                if not (is_stem(term) and term.split("_", 1)[1] in _stem_stopwords(stem_language)):
                    terms.append(term)
    return list(dict.fromkeys(terms)), surfaces


def query_word_terms(word: str, language: str | None) -> list[str]:
    """Every term a typed word matches (its forms, stems under each fitting stemmer, synonyms)."""
    return _query_word_terms(word, language)[0]


def analyze_query(
    text: str, language: str | None = None, *, prefix_last: bool = False
) -> AnalyzedQuery:
    """Turn what someone typed into groups of alternative terms (never raises, any input).

    With `prefix_last`, the last word also matches as a prefix unless the text ends with a space or
    punctuation (the word is then complete) or the word is shorter than MIN_PREFIX_CHARS.
    """
    text = normalize(text or "")
    tokens = tokenize(text, language)
    groups: list[QueryGroup] = []
    tokens = tokens[:MAX_QUERY_WORDS]
    stopwords = _query_stopwords(language)
    for index, token in enumerate(tokens):
        terms, surfaces = _query_word_terms(token.text, language)
        # Both halves of `e-mail` also accept `email`, so the query finds either spelling.
        if token.joined:
            terms.append(token.joined)
        if index + 1 < len(tokens) and tokens[index + 1].joined:
            terms.append(tokens[index + 1].joined)
        prefixes: tuple[str, ...] = ()
        is_last = index == len(tokens) - 1
        # A lone word needs three letters before it completes: two match too much to mean anything.
        min_chars = MIN_PREFIX_CHARS if len(tokens) > 1 else MIN_PREFIX_CHARS + 1
        if prefix_last and is_last and token.end == len(text) and len(token.lower) >= min_chars:
            prefixes = tuple(surfaces)
        # Function words, and lone Latin letters (the `e` of `e-mail`, `ebost` covers it), say
        # nothing about what is sought.
        stopword = not prefixes and (
            any(surface in stopwords for surface in surfaces) or (len(token.lower) == 1 and token.lower.isascii())
        )
        groups.append(QueryGroup(token.text, tuple(terms), prefixes, stopword))
    # The same word typed twice counts once.
    unique = tuple({group.terms + group.prefixes: group for group in groups}.values())
    return AnalyzedQuery(text, language, unique)


def iter_matches(text: str, language: str | None, query: AnalyzedQuery,
                 max_chars: int = 20_000) -> Iterator[Token]:
    """Tokens of `text` (written in `language`) that match some group of `query`, for highlighting.

    A regular expression finds the words that start like some query term (in any case, with or
    without diacritics); only those are analysed, which keeps highlighting cheap on long texts.
    Scripts written without spaces go through the full segmenter instead.
    """
    wanted = query.terms()
    prefixes = tuple(query.prefixes())
    if not wanted and not prefixes:
        return
    text = text[:max_chars]
    starts = frozenset({term.split("_", 1)[-1][:2] for term in wanted} | {p[:2] for p in prefixes})
    if _COMPLEX_RE.search(text) or _MARK_RE.search(text):
        candidates: Iterator[tuple[int, str]] = _iter_words(text, language)
    else:
        candidates = ((m.start(), m.group()) for m in _candidate_regex(starts).finditer(text))
    for start, run in candidates:
        lower = _lower(run, language)
        if not wanted.isdisjoint(_word_terms(lower, language)) or (
            prefixes and (lower.startswith(prefixes) or fold(lower).startswith(prefixes))
        ):
            yield Token(run, start, start + len(run), lower)


def _letter_variants() -> dict[str, str]:
    """For each folded Latin letter, every letter (either case) that folds to it: `z` -> `zžźżZŽŹŻ`."""
    variants: dict[str, set[str]] = {}
    for cp in list(range(0x41, 0x250)) + list(range(0x1E00, 0x1F00)):
        ch = chr(cp)
        if not ch.isalpha():
            continue
        base = fold(ch.lower())
        if len(base) == 1:
            variants.setdefault(base, {base}).update({ch, ch.lower(), ch.upper()})
    variants.setdefault("i", {"i"}).update("İıI")
    return {base: "".join(sorted(chars)) for base, chars in variants.items()}


_VARIANTS = _letter_variants()
# Combining marks and the scripts that use them (Indic, SE Asian...): texts with any take the slow,
# exact path. A short class keeps this check fast on long Latin texts.
_MARK_RE = re.compile("[\u0300-\u036f\u0483-\u0489\u0590-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


@lru_cache(maxsize=2048)
def _candidate_regex(starts: frozenset[str]) -> re.Pattern:
    """Words beginning with one of `starts` (two letters each), whatever their case and accents."""
    alternatives = []
    for start in sorted(filter(None, starts)):  # an empty start would match between any two letters
        parts = []
        for ch in start:
            chars = _VARIANTS.get(fold(ch), ch + ch.upper())
            parts.append("[" + re.escape(chars + ch) + "]")
        alternatives.append("".join(parts))
    if not alternatives:
        return re.compile(r"(?!x)x")
    # Texts with combining marks take the full path, so plain \w word boundaries are exact here.
    return re.compile(rf"(?<![^\W_])(?:{'|'.join(alternatives)})[^\W_]*")

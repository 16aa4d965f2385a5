"""The Elasticsearch index: analysis chains, field mapping (elasticsearch-dsl `Document`) and the
JSON each `SearchDocument` becomes. Pure functions of their arguments, so tests can check the
generated settings and mappings (`index_body(...)`) without a cluster.

Layout: one index holds all six languages, one field per language and text part.

- `title_<lang>`, `keywords_<lang>`, `body_<lang>`: only a document in `<lang>` fills its own
  language's fields, analysed by that language's chain (below). A query runs against every
  language's fields, each analysing the query its own way, so an English word typed on the Turkish
  site still meets English stems (the embedded backend does the same with language-marked stems).
- `title_folded`, `keywords_folded`, `body_folded`: every document, lowercased and folded
  (`canlı` -> `canli`, `žinių` -> `ziniu`), for diacritic-free queries in any language; with
  `index_prefixes` so the half-typed last word of a suggestion is a cheap prefix query.
- `title_suggest`: `search_as_you_type` (shingles + edge n-grams) over the folded title, for suggest.
- `title`, `body`, `url` and the ranking signals are stored for display and scoring; the analysed
  copies are left out of `_source` (they are rebuilt from the database, never read back).

Language chains (tokenizer `icu_tokenizer` when the analysis-icu plugin is on every node, else
`standard`):
  en  possessive stemmer, lowercase, Snowball English (Porter2, as the embedded backend)
  tr  apostrophe, Turkish lowercase (I->ı, İ->i), Snowball Turkish; sub-field `prefix5`: the first
      five folded letters (`sunucu`/`sunucuya` -> `sunuc`), as the embedded backend's `tr5_` terms
  lt  lowercase, Snowball Lithuanian
  ne  lowercase, Snowball Nepali (Lucene 9+, i.e. Elasticsearch 8.x; probed at startup), else no
      stemming (logged)
  cy  lowercase (no Welsh stemmer exists)
  lo  lowercase; words are segmented by ICU either way: by the cluster's ICU tokenizer when
      installed, and always by the application (icu4py) before sending, so Lao works without it
  other languages: `standard` + lowercase
Folding: `icu_folding` restricted to Latin letters when analysis-icu is present (Devanagari and Lao
marks are vowels and tones, not accents), else `asciifolding`; both after a char filter mapping
Turkish `ı`/`İ` to `i`, so `CANLI`, `canlı` and `canli` meet.

Text is NFKC-normalised by the application before it is sent (documents and queries alike).
Stopwords are never removed at index time (the embedded backend drops query stopwords itself, and
the query builder sends only the words it kept).
"""

from __future__ import annotations

from dataclasses import dataclass

from elasticsearch_dsl import (
    Boolean,
    Date,
    Document,
    Float,
    Index,
    Integer,
    Keyword,
    Long,
    MetaField,
    SearchAsYouType,
    Text,
    analyzer,
    char_filter,
    token_filter,
)

from search.analysis import normalize, tokenize
from search.documents import SearchDocument

# Bump when the mapping or analysis below changes: `search_reindex --quiet-if-fresh` then rebuilds.
MAPPING_VERSION = 2  # 2: translation groups (`group`)

LANGUAGES = ("en", "ne", "cy", "lo", "tr", "lt")
OTHER = "other"  # a document in a language not listed above
LANGUAGE_KEYS = (*LANGUAGES, OTHER)
TEXT_PARTS = ("title", "keywords", "body")
FOLDED = "folded"
SUGGEST_FIELD = "title_suggest"
PREFIX_CHARS = (2, 10)  # index_prefixes of the folded fields: min_chars, max_chars
TURKISH_PREFIX_CHARS = 5
# icu_folding only touches Latin letters and the combining accents used with them (after NFKC
# they are precomposed anyway), mirroring search.analysis.fold.
LATIN_SET = "[\\u0000-\\u036F\\u1E00-\\u1EFF]"
# Stored fields a hit needs for display and for BaseSearchBackend.decorate.
SOURCE_FIELDS = ("doc_id", "kind", "title", "url", "language", "solved", "forum_id", "updated_at", "votes",
                 "promoted_to", "group", "body")


@dataclass(frozen=True)
class Capabilities:
    """What the cluster offers, found at startup (see ElasticsearchSearchBackend.capabilities)."""

    version: str = ""
    icu: bool = False  # analysis-icu installed on every node
    nepali_stemmer: bool = True  # Snowball "Nepali" (Lucene 9+)

    def describe(self) -> str:
        tokenizer = "ICU tokenizer and ICU folding" if self.icu else "standard tokenizer and ASCII folding (no analysis-icu)"
        nepali = "Snowball Nepali stemmer" if self.nepali_stemmer else "no Nepali stemmer (unsupported by this cluster)"
        return f"Elasticsearch {self.version or '?'}: {tokenizer}; {nepali}; Lao segmented by the application"

    def as_meta(self) -> dict:
        return {"mapping_version": MAPPING_VERSION, "icu": self.icu, "nepali_stemmer": self.nepali_stemmer,
                "es_version": self.version}


def field(part: str, language_key: str) -> str:
    return f"{part}_{language_key}"


def language_key(language: str | None) -> str:
    return language if language in LANGUAGES else OTHER


# --- analysis -------------------------------------------------------------------------------------

def analyzers(caps: Capabilities) -> dict[str, object]:
    """Analyzer per language key, plus "folded" and "tr_prefix5"."""
    tokenizer_name = "icu_tokenizer" if caps.icu else "standard"
    dotless_i = char_filter("hc_dotless_i", type="mapping", mappings=["ı => i", "İ => i"])
    if caps.icu:
        fold = token_filter("hc_fold", type="icu_folding", unicode_set_filter=LATIN_SET)
    else:
        fold = token_filter("hc_fold", type="asciifolding")
    turkish_lowercase = token_filter("hc_turkish_lowercase", type="lowercase", language="turkish")

    def snowball(name: str) -> object:
        return token_filter(f"hc_snowball_{name.lower()}", type="snowball", language=name)

    def chain(name: str, filters: list, char_filters: list | None = None) -> object:
        return analyzer(name, tokenizer=tokenizer_name, char_filter=char_filters or [], filter=filters)

    nepali_filters = ["lowercase", snowball("Nepali")] if caps.nepali_stemmer else ["lowercase"]
    return {
        "en": chain("hc_en", [token_filter("hc_english_possessive", type="stemmer", language="possessive_english"),
                              "lowercase", snowball("English")]),
        "tr": chain("hc_tr", ["apostrophe", turkish_lowercase, snowball("Turkish")]),
        "tr_prefix5": chain("hc_tr_prefix5", [
            "apostrophe", turkish_lowercase, fold,
            token_filter("hc_prefix5", type="truncate", length=TURKISH_PREFIX_CHARS),
        ], [dotless_i]),
        "lt": chain("hc_lt", ["lowercase", snowball("Lithuanian")]),
        "ne": chain("hc_ne", nepali_filters),
        "cy": chain("hc_cy", ["lowercase"]),
        "lo": chain("hc_lo", ["lowercase"]),
        OTHER: chain("hc_other", ["lowercase"]),
        FOLDED: chain("hc_folded", ["lowercase", fold], [dotless_i]),
    }


# --- mapping --------------------------------------------------------------------------------------

def analysed_fields() -> list[str]:
    """Every field that exists only to be searched (excluded from _source)."""
    names = [field(part, key) for key in LANGUAGE_KEYS for part in TEXT_PARTS]
    names += [field(part, FOLDED) for part in TEXT_PARTS]
    names.append(SUGGEST_FIELD)
    return names


def document_class(caps: Capabilities) -> type[Document]:
    """The elasticsearch-dsl Document for this cluster's capabilities."""
    chains = analyzers(caps)
    attrs: dict[str, object] = {
        "__module__": __name__,
        "doc_id": Keyword(),
        "kind": Keyword(),
        "language": Keyword(),
        "object_id": Long(),
        "forum_id": Integer(),
        "solved": Boolean(),
        "votes": Integer(),
        "helpful_ratio": Float(),
        "views": Integer(),
        "promoted_to": Keyword(),  # absent unless promoted
        "group": Keyword(),  # an article's translations share it; a topic's is its doc_id
        "updated_at": Date(),
        "url": Keyword(index=False, doc_values=False),
        "title": Keyword(index=False, doc_values=False),
        "body": Text(index=False),
    }
    for key in LANGUAGE_KEYS:
        for part in TEXT_PARTS:
            extra = {"fields": {"prefix5": Text(analyzer=chains["tr_prefix5"])}} if key == "tr" else {}
            attrs[field(part, key)] = Text(analyzer=chains[key], **extra)
    for part in TEXT_PARTS:
        attrs[field(part, FOLDED)] = Text(
            analyzer=chains[FOLDED],
            index_prefixes={"min_chars": PREFIX_CHARS[0], "max_chars": PREFIX_CHARS[1]},
        )
    attrs[SUGGEST_FIELD] = SearchAsYouType(analyzer=chains[FOLDED], max_shingle_size=3)
    attrs["Meta"] = type("Meta", (), {
        "dynamic": MetaField("strict"),
        "source": MetaField(excludes=analysed_fields()),
        "meta": MetaField({"helpcenter": caps.as_meta()}),
    })
    return type("HelpcenterSearchDocument", (Document,), attrs)


def index_body(caps: Capabilities, shards: int = 1, replicas: int = 1, refresh_interval: str | None = None) -> dict:
    """`{"settings": ..., "mappings": ...}` for `indices.create`."""
    index = Index("helpcenter")  # the name is not part of the body
    settings: dict[str, object] = {"number_of_shards": shards, "number_of_replicas": replicas}
    if refresh_interval is not None:
        settings["refresh_interval"] = refresh_interval
    index.settings(**settings)
    index.document(document_class(caps))
    return index.to_dict()


# --- documents ------------------------------------------------------------------------------------

def prepare_text(text: str, language: str | None) -> tuple[str, list[str]]:
    """NFKC text with a space between words that are written without one (Lao, Thai, CJK: the ICU
    word breaker of search.analysis decides, exactly as for the embedded index), and the joined
    forms of hyphenated pairs (`e-mail` -> `email`)."""
    text = normalize(text or "")
    out: list[str] = []
    joined: list[str] = []
    position = 0
    previous_end = -1
    for token in tokenize(text, language):
        if token.start == previous_end:  # two words with nothing between them
            out.append(text[position:token.start])
            out.append(" ")
            position = token.start
        previous_end = token.end
        if token.joined:
            joined.append(token.joined)
    out.append(text[position:])
    return "".join(out), joined


def document_source(doc: SearchDocument) -> dict:
    """The JSON indexed for one document (`_id` is `doc.id`)."""
    key = language_key(doc.language)
    source: dict[str, object] = {
        "doc_id": doc.id,
        "group": doc.group,
        "kind": doc.kind,
        "language": doc.language,
        "object_id": doc.object_id,
        "forum_id": doc.forum_id,
        "solved": doc.solved,
        "votes": doc.votes,
        "helpful_ratio": doc.helpful_ratio,
        "views": doc.views,
        "updated_at": doc.updated_at.isoformat() if doc.updated_at else None,
        "url": doc.url,
        "title": doc.title,
        "body": doc.body,
    }
    if doc.promoted_to:
        source["promoted_to"] = doc.promoted_to
    for part, value in (("title", doc.title), ("keywords", doc.keywords), ("body", doc.body)):
        text, joined = prepare_text(value, doc.language)
        if not text:
            continue
        source[field(part, key)] = text
        source[field(part, FOLDED)] = " ".join([text, *joined]) if joined else text
        if part == "title":
            source[SUGGEST_FIELD] = text
    return source

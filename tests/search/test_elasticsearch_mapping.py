"""The Elasticsearch index as generated (settings, analysis chains, mappings via elasticsearch-dsl
`to_dict()`) and the JSON each document becomes. No cluster needed: these check what we send."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from search.backends import es_mapping
from search.backends.es_mapping import (
    Capabilities,
    document_source,
    index_body,
    prepare_text,
)
from search.documents import SearchDocument

ICU = Capabilities(version="8.15.0", icu=True, nepali_stemmer=True)
NO_ICU = Capabilities(version="8.15.0", icu=False, nepali_stemmer=True)
NO_NEPALI = Capabilities(version="8.15.0", icu=False, nepali_stemmer=False)


def analysis(caps: Capabilities) -> dict:
    return index_body(caps)["settings"]["analysis"]


def properties(caps: Capabilities) -> dict:
    return index_body(caps)["mappings"]["properties"]


def chain(caps: Capabilities, name: str) -> tuple[str, list]:
    """(tokenizer, filters resolved to their definitions) of an analyzer."""
    a = analysis(caps)
    definition = a["analyzer"][name]
    filters = [a["filter"].get(f, f) for f in definition["filter"]]
    return definition["tokenizer"], filters


# Per language: (analyzer, the filters after the tokenizer, as sent to the cluster).
LANGUAGE_CHAINS = {
    "en": ("hc_en", [{"type": "stemmer", "language": "possessive_english"}, "lowercase",
                     {"type": "snowball", "language": "English"}]),
    "tr": ("hc_tr", ["apostrophe", {"type": "lowercase", "language": "turkish"},
                     {"type": "snowball", "language": "Turkish"}]),
    "lt": ("hc_lt", ["lowercase", {"type": "snowball", "language": "Lithuanian"}]),
    "ne": ("hc_ne", ["lowercase", {"type": "snowball", "language": "Nepali"}]),
    "cy": ("hc_cy", ["lowercase"]),
    "lo": ("hc_lo", ["lowercase"]),
    "other": ("hc_other", ["lowercase"]),
}


@pytest.mark.parametrize("language", list(LANGUAGE_CHAINS))
@pytest.mark.parametrize("caps", [ICU, NO_ICU], ids=["icu", "no-icu"])
def test_each_language_has_its_own_fields_and_chain(language, caps):
    analyzer_name, filters = LANGUAGE_CHAINS[language]
    props = properties(caps)
    for part in ("title", "keywords", "body"):
        mapping = props[f"{part}_{language}"]
        assert mapping["type"] == "text"
        assert mapping["analyzer"] == analyzer_name
    tokenizer, resolved = chain(caps, analyzer_name)
    assert tokenizer == ("icu_tokenizer" if caps.icu else "standard")
    assert resolved == filters


def test_turkish_has_a_five_letter_prefix_subfield_like_the_embedded_tr5_terms():
    props = properties(ICU)
    for part in ("title", "keywords", "body"):
        assert props[f"{part}_tr"]["fields"] == {"prefix5": {"type": "text", "analyzer": "hc_tr_prefix5"}}
    _tokenizer, filters = chain(ICU, "hc_tr_prefix5")
    assert filters[:2] == ["apostrophe", {"type": "lowercase", "language": "turkish"}]
    assert filters[2]["type"] == "icu_folding"
    assert filters[3] == {"type": "truncate", "length": 5}
    assert analysis(ICU)["analyzer"]["hc_tr_prefix5"]["char_filter"] == ["hc_dotless_i"]


@pytest.mark.parametrize(("caps", "folding"), [
    (ICU, {"type": "icu_folding", "unicode_set_filter": "[\\u0000-\\u036F\\u1E00-\\u1EFF]"}),
    (NO_ICU, {"type": "asciifolding"}),
], ids=["icu", "no-icu"])
def test_the_folded_fields_fold_latin_only_and_handle_turkish_i(caps, folding):
    props = properties(caps)
    for part in ("title", "keywords", "body"):
        assert props[f"{part}_folded"] == {
            "type": "text", "analyzer": "hc_folded", "index_prefixes": {"min_chars": 2, "max_chars": 10},
        }
    _tokenizer, filters = chain(caps, "hc_folded")
    assert filters == ["lowercase", folding]
    a = analysis(caps)
    assert a["analyzer"]["hc_folded"]["char_filter"] == ["hc_dotless_i"]
    assert a["char_filter"]["hc_dotless_i"] == {"type": "mapping", "mappings": ["ı => i", "İ => i"]}


def test_nepali_falls_back_to_no_stemming_when_the_cluster_has_no_snowball_nepali():
    assert chain(NO_NEPALI, "hc_ne")[1] == ["lowercase"]
    assert "hc_snowball_nepali" not in analysis(NO_NEPALI)["filter"]
    assert "hc_snowball_nepali" in analysis(NO_ICU)["filter"]


def test_no_plugin_means_no_icu_anywhere_in_the_settings():
    settings = str(index_body(NO_ICU)["settings"])
    assert "icu" not in settings
    assert "icu_tokenizer" in str(index_body(ICU)["settings"])


def test_suggest_field_is_search_as_you_type_over_the_folded_analysis():
    assert properties(ICU)["title_suggest"] == {
        "type": "search_as_you_type", "analyzer": "hc_folded", "max_shingle_size": 3,
    }


def test_ranking_and_filter_fields_and_stored_display_fields():
    props = properties(ICU)
    for name in ("doc_id", "kind", "language", "promoted_to"):
        assert props[name] == {"type": "keyword"}
    assert props["forum_id"] == {"type": "integer"}
    assert props["solved"] == {"type": "boolean"}
    assert props["votes"] == {"type": "integer"}
    assert props["helpful_ratio"] == {"type": "float"}
    assert props["updated_at"] == {"type": "date"}
    assert props["title"] == props["url"] == {"type": "keyword", "index": False, "doc_values": False}
    assert props["body"] == {"type": "text", "index": False}


def test_mapping_is_strict_keeps_analysed_copies_out_of_source_and_records_capabilities():
    mappings = index_body(ICU)["mappings"]
    assert mappings["dynamic"] == "strict"
    excluded = set(mappings["_source"]["excludes"])
    assert {"title_en", "body_lo", "keywords_other", "title_folded", "body_folded", "title_suggest"} <= excluded
    assert not excluded & {"title", "body", "url", "doc_id"}
    assert mappings["_meta"] == {"helpcenter": {
        "mapping_version": es_mapping.MAPPING_VERSION, "icu": True, "nepali_stemmer": True, "es_version": "8.15.0",
    }}


def test_index_settings_shards_replicas_and_rebuild_refresh():
    settings = index_body(NO_ICU, shards=3, replicas=2, refresh_interval="-1")["settings"]
    assert settings["number_of_shards"] == 3
    assert settings["number_of_replicas"] == 2
    assert settings["refresh_interval"] == "-1"
    assert "refresh_interval" not in index_body(NO_ICU)["settings"]


# --- documents --------------------------------------------------------------------------------

def doc(language: str, title: str, body: str = "", **kwargs) -> SearchDocument:
    return SearchDocument(
        id=kwargs.pop("id", "topic:7"), kind=kwargs.pop("kind", "topic"), object_id=7, language=language,
        title=title, body=body, url="/en/community/forum/x-1/topic/y-7/",
        updated_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), **kwargs,
    )


@pytest.mark.parametrize("language", ["en", "ne", "cy", "lo", "tr", "lt"])
def test_a_document_fills_only_its_own_languages_fields(language):
    source = document_source(doc(language, "Title words", "Body words", keywords="tag"))
    language_fields = {name for name in source if name.rsplit("_", 1)[-1] in es_mapping.LANGUAGE_KEYS}
    assert language_fields == {f"title_{language}", f"keywords_{language}", f"body_{language}"}
    assert source["title_folded"] == source[f"title_{language}"] == "Title words"
    assert source["title_suggest"] == "Title words"
    assert source["keywords_folded"] == "tag"


def test_unknown_languages_use_the_other_fields():
    source = document_source(doc("de", "Passwort vergessen"))
    assert source["title_other"] == "Passwort vergessen" and source["language"] == "de"


def test_document_source_carries_display_and_ranking_fields():
    source = document_source(doc("tr", "CANLI sohbet", "Gövde", forum_id=4, solved=True, votes=3, views=9))
    assert source["doc_id"] == "topic:7" and source["kind"] == "topic" and source["object_id"] == 7
    assert source["forum_id"] == 4 and source["solved"] is True and source["votes"] == 3
    assert source["updated_at"] == "2026-01-02T03:04:05+00:00"
    assert source["title"] == "CANLI sohbet" and source["body"] == "Gövde"
    assert "promoted_to" not in source  # absent unless promoted: the boost uses `exists`
    assert document_source(doc("en", "x", promoted_to="kb:3"))["promoted_to"] == "kb:3"
    article = document_source(doc("en", "x", id="kb:3", kind="article", helpful_ratio=0.75))
    assert article["helpful_ratio"] == 0.75 and article["forum_id"] is None


def test_lao_is_segmented_by_the_application_so_it_works_without_the_icu_plugin():
    # "ການຕັ້ງຄ່າອີເມວ" (email settings) is written without spaces; ICU finds the words.
    text, joined = prepare_text("ການຕັ້ງຄ່າອີເມວ", "lo")
    assert " " in text and text.replace(" ", "") == "ການຕັ້ງຄ່າອີເມວ"
    assert joined == []
    source = document_source(doc("lo", "ການຕັ້ງຄ່າອີເມວ"))
    assert source["title_lo"] == text
    assert source["title"] == "ການຕັ້ງຄ່າອີເມວ"  # displayed as written


def test_spaced_text_is_left_as_written_and_hyphenated_pairs_add_their_joined_form():
    assert prepare_text("Türkiye'nin sunucusu", "tr") == ("Türkiye'nin sunucusu", [])
    text, joined = prepare_text("Set up e-mail", "en")
    assert text == "Set up e-mail" and joined == ["email"]
    source = document_source(doc("en", "Set up e-mail"))
    assert source["title_folded"] == "Set up e-mail email"
    assert source["title_en"] == "Set up e-mail"


def test_text_is_nfkc_normalised_before_sending():
    source = document_source(doc("en", "ｅｍａｉｌ ﬁle"))  # full-width letters, fi ligature
    assert source["title_en"] == "email file"

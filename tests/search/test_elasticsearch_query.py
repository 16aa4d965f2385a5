"""The Elasticsearch requests we build for each query shape (elasticsearch-dsl `to_dict()`): plain
search, suggest (prefix), filters (kind, language, solved), the forum permission filter, boosts,
facets and paging. No cluster needed: these check exactly what would be sent."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from search import conf
from search.backends.base import SearchQuery
from search.backends.es_query import BOOST_SCRIPT, build_search

NOW = datetime(2026, 3, 1, 12, 30, 45, tzinfo=UTC)
LANGUAGE_KEYS = ("en", "ne", "cy", "lo", "tr", "lt", "other")
FIELD_WEIGHTS = {"title_weight": 4.0, "keywords_weight": 2.0, "body_weight": 1.0}


def request(text: str, *, suggest: bool = False, tier: str = "", **kwargs) -> dict | None:
    kwargs.setdefault("forum_ids", frozenset({1}))
    query = SearchQuery(text=text, **kwargs)
    built = build_search(query, query.analyzed(prefix_last=suggest), conf.ranking(), NOW, prefix_last=suggest,
                         tier=tier)
    return None if built is None else built[query.offset:query.offset + query.limit].to_dict()


def scored(body: dict) -> dict:
    return body["query"]["function_score"]


def clauses(body: dict) -> list[dict]:
    return scored(body)["query"]["bool"]["must"][0]["bool"]["should"]


def filters(body: dict) -> list[dict]:
    return scored(body)["query"]["bool"]["filter"]


def combined(body: dict) -> dict[str, dict]:
    """combined_fields clauses by the suffix of their first field (language key, "tr.prefix5", "folded")."""
    found = {}
    for clause in clauses(body):
        if "combined_fields" in clause:
            first = clause["combined_fields"]["fields"][0]
            found[first.split("^")[0].split("_", 1)[1]] = clause["combined_fields"]
    return found


def test_plain_search_matches_every_language_chain_the_turkish_prefixes_and_the_folded_fields(db, settings):
    settings.SEARCH_RANKING = FIELD_WEIGHTS
    body = request("Backup stopped arriving", language="en")
    by_suffix = combined(body)
    assert set(by_suffix) == {*LANGUAGE_KEYS, "tr.prefix5", "folded"}
    for suffix, clause in by_suffix.items():
        assert clause["query"] == "Backup stopped arriving"
        stem = suffix.split(".")[0]
        assert clause["fields"] == [f"title_{stem}{suffix[len(stem):]}^4", f"keywords_{stem}{suffix[len(stem):]}^2",
                                    f"body_{stem}{suffix[len(stem):]}^1"]
    assert not any(c.get("multi_match", {}).get("type") == "bool_prefix" for c in clauses(body))  # no prefixes
    # Words of five letters or more also match one edit away, weighted below an exact match.
    fuzzy = [c["multi_match"] for c in clauses(body) if "fuzziness" in c.get("multi_match", {})]
    assert fuzzy == [{"query": "backup stopped arriving", "fields": ["title_folded^4", "keywords_folded^2",
                                                                     "body_folded^1"],
                      "fuzziness": 1, "prefix_length": 0, "max_expansions": 20, "boost": 0.5}]
    # "Did you mean": the indexed words one edit away from words no document holds.
    assert body["suggest"]["typo_title"] == {"text": "backup stopped arriving", "term": {
        "field": "title_folded", "suggest_mode": "missing", "max_edits": 1, "prefix_length": 0,
        "min_word_length": 5, "sort": "frequency", "size": 1}}
    assert body["suggest"]["typo_body"]["term"]["field"] == "body_folded"
    assert scored(body)["query"]["bool"]["must"][0]["bool"]["minimum_should_match"] == 1  # any word (OR)


def test_stemming_chains_weigh_stem_only_matches_less(db, settings):
    settings.SEARCH_RANKING = {"stem_weight": 0.5}
    by_suffix = combined(request("clients"))
    for key in ("en", "tr", "lt", "ne", "tr.prefix5"):
        assert by_suffix[key]["boost"] == 0.5
    for key in ("cy", "lo", "other", "folded"):
        assert "boost" not in by_suffix[key]


def test_field_weights_follow_search_ranking_and_stay_at_least_one(db, settings):
    settings.SEARCH_RANKING = {"title_weight": 3.0, "keywords_weight": 1.0, "body_weight": 0.5}
    # combined_fields refuses boosts below 1: all are scaled together, keeping their ratios.
    assert combined(request("dns"))["folded"]["fields"] == ["title_folded^6", "keywords_folded^2", "body_folded^1"]
    settings.SEARCH_RANKING = {"title_weight": 4.0, "keywords_weight": 2.0, "body_weight": 0.3}
    assert combined(request("dns"))["folded"]["fields"] == [
        "title_folded^13.3333", "keywords_folded^6.66667", "body_folded^1"]


def test_stopwords_are_dropped_like_the_embedded_backend_unless_nothing_else_is_left(db):
    words = combined(request("How do I change my DNS?", language="en"))["folded"]["query"]
    assert "DNS" in words and "change" in words
    only = combined(request("how to", language="en"))["folded"]["query"]
    assert only == "how to"


def test_query_syntax_and_junk_are_plain_words_never_operators(db):
    body = request('"DNS" AND mx* NEAR(a b) -spf OR 1=1; DROP TABLE')
    text = combined(body)["folded"]["query"]
    for syntax in ('"', "*", "(", ")", "-spf", ";", "="):
        assert syntax not in text
    assert "DNS" in text and "mx" in text and "DROP" in text
    assert request("!!! ??? ...") is None  # no words: nothing to send
    assert request("") is None
    long = combined(request("word " * 5000))["folded"]["query"]
    assert long == "word"  # the same word once
    many = combined(request(" ".join(f"w{i}" for i in range(100))))["folded"]["query"]
    assert len(many.split()) == 32  # analysis keeps at most 32 words


def test_lao_query_words_are_segmented_for_every_chain(db):
    text = combined(request("ການຕັ້ງຄ່າອີເມວ", language="lo"))["lo"]["query"]
    assert " " in text and text.replace(" ", "") == "ການຕັ້ງຄ່າອີເມວ"


def test_hyphenated_words_also_search_their_joined_form(db):
    words = combined(request("e-mail setup"))["folded"]["query"].split()
    assert {"mail", "setup", "email"} <= set(words)  # whatever the analysis keeps of "e"


def test_suggest_makes_the_half_typed_last_word_a_prefix(db, settings):
    settings.SEARCH_RANKING = FIELD_WEIGHTS
    body = request("set up ema", suggest=True, language="en")
    prefix_clauses = [c["multi_match"] for c in clauses(body) if "multi_match" in c]
    assert prefix_clauses == [
        {"type": "bool_prefix", "query": "ema", "fields": ["title_folded^4", "keywords_folded^2", "body_folded^1"]},
        {"type": "bool_prefix", "query": "set ema",
         "fields": ["title_suggest", "title_suggest._2gram", "title_suggest._3gram"]},
    ]
    # The complete words (and the typed part as a whole word) still match every chain.
    assert combined(body)["en"]["query"] == "set ema"


@pytest.mark.parametrize("text", ["set up email ", "set up e", "email."])
def test_suggest_without_a_half_typed_word_has_no_prefix_clause(db, text):
    assert not any(c.get("multi_match", {}).get("type") == "bool_prefix" for c in clauses(request(text, suggest=True)))


def test_permission_filter_allows_articles_and_only_readable_forums(db):
    allowed = filters(request("dns", forum_ids=frozenset({7, 3})))[0]
    assert allowed == {"bool": {"should": [{"term": {"kind": "article"}}, {"terms": {"forum_id": [3, 7]}}],
                                "minimum_should_match": 1}}
    nothing_readable = filters(request("dns", forum_ids=frozenset()))[0]
    assert nothing_readable == {"term": {"kind": "article"}}


def test_kind_language_and_solved_filters(db):
    body = request("dns", kinds=("topic",), languages=("tr", "lt"), solved=True)
    found = filters(body)
    assert {"terms": {"kind": ["topic"]}} in found
    assert {"terms": {"language": ["tr", "lt"]}} in found
    assert {"bool": {"should": [{"term": {"kind": "article"}}, {"term": {"solved": True}}],
                     "minimum_should_match": 1}} in found
    assert "post_filter" not in body
    assert body["aggs"] == {"groups": {"cardinality": {"field": "group", "precision_threshold": 40000}}}  # the total counts translation groups
    unfiltered = filters(request("dns", solved=None))
    assert len(unfiltered) == 1  # only the permission filter


def test_facets_count_without_kind_and_language_but_hits_respect_them(db):
    body = request("dns", kinds=("article",), languages=("en",), solved=True, facets=True)
    found = filters(body)
    assert {"terms": {"kind": ["article"]}} not in found
    assert any("should" in f.get("bool", {}) and {"term": {"solved": True}} in f["bool"]["should"] for f in found)
    assert body["post_filter"] == {"bool": {"filter": [{"terms": {"kind": ["article"]}},
                                                       {"terms": {"language": ["en"]}}]}}
    groups = {"cardinality": {"field": "group", "precision_threshold": 40000}}
    assert body["aggs"] == {"kind": {"terms": {"field": "kind", "size": 5}, "aggs": {"groups": groups}},
                            "language": {"terms": {"field": "language", "size": 20}},
                            "groups": groups}


def test_boosts_mirror_the_embedded_backend(db):
    fs = scored(request("dns", language="tr"))
    assert fs["score_mode"] == "multiply" and fs["boost_mode"] == "multiply"
    functions = fs["functions"]
    assert functions[0] == {"filter": {"term": {"kind": "article"}}, "weight": 1.5}
    assert functions[1] == {"filter": {"bool": {"must_not": [{"term": {"kind": "article"}}],
                                                "filter": [{"term": {"solved": True}}]}}, "weight": 1.3}
    assert functions[2] == {"filter": {"exists": {"field": "promoted_to"}}, "weight": 0.5}
    assert functions[3] == {"filter": {"term": {"language": "tr"}}, "weight": 1.5}
    script = functions[4]["script_score"]["script"]
    assert script["source"] == BOOST_SCRIPT
    assert script["params"] == {
        "article": "article", "votes_boost": 0.3, "votes_half": 5.0, "helpfulness_boost": 0.3,
        "freshness_boost": 0.1, "half_life": 365.0,
        "now": int(datetime(2026, 3, 1, 12, 30, tzinfo=UTC).timestamp() * 1000),  # to the minute
    }
    # The reader's language is a boost, not a filter; without one there is no language boost.
    assert not any("language" in str(f.get("filter", "")) for f in scored(request("dns"))["functions"])


def test_boosts_follow_search_ranking(db, settings):
    settings.SEARCH_RANKING = {"article_boost": 2.5, "language_boost": 1.1, "freshness_half_life_days": 30.0}
    functions = scored(request("dns", language="en"))["functions"]
    assert functions[0]["weight"] == 2.5
    assert functions[3]["weight"] == 1.1
    assert functions[4]["script_score"]["script"]["params"]["half_life"] == 30.0


def test_boost_script_uses_the_embedded_formulas():
    # votes / (votes + half), helpfulness centred on 50 %, freshness 1 + b / (1 + age / half_life).
    assert "votes / (votes + params.votes_half)" in BOOST_SCRIPT
    assert "(2.0 * doc['helpful_ratio'].value - 1.0) * share" in BOOST_SCRIPT
    assert "1.0 + params.freshness_boost / (1.0 + age / params.half_life)" in BOOST_SCRIPT


def test_paging_sorting_totals_and_returned_fields(db):
    body = request("dns", limit=10, offset=20)
    assert body["from"] == 20 and body["size"] == 10
    assert body["sort"] == ["_score", {"doc_id": "asc"}]  # ties in a stable order
    assert body["track_total_hits"] is True  # "total" is exact, as the API promises
    assert set(body["_source"]["includes"]) == {"doc_id", "kind", "title", "url", "language", "solved",
                                                "forum_id", "updated_at", "votes", "promoted_to", "group",
                                                "body"}
    assert request("dns", limit=0) is None


def tier_filters(body: dict) -> tuple[list, list]:
    inner = scored(body)["query"]["bool"]
    return inner["filter"], inner.get("must_not", [])


def test_and_first_applies_to_suggest_always_and_to_search_when_configured(db, settings):
    from search.backends.es_query import and_first

    def decide(text, suggest):
        return and_first(SearchQuery(text=text, forum_ids=frozenset()).analyzed(prefix_last=suggest),
                         conf.ranking(), suggest)

    assert decide("dns records", suggest=True)
    assert not decide("dns", suggest=True)  # one word: nothing to split
    settings.SEARCH_RANKING = {"and_first": 0.0}
    assert not decide("dns records", suggest=False)
    settings.SEARCH_RANKING = {"and_first": 1.0}
    assert decide("dns records", suggest=False)


def test_and_first_tiers_hold_every_word_or_not(db):
    everything = request("mx records ema", suggest=True, tier="all")
    rest = request("mx records ema", suggest=True, tier="rest")
    filters_all, must_not_all = tier_filters(everything)
    _filters_rest, must_not_rest = tier_filters(rest)
    assert must_not_all == [] and len(must_not_rest) == 1
    required = filters_all[-1]
    assert required == must_not_rest[0]  # the same predicate: the tiers never overlap
    words = required["bool"]["filter"]
    assert len(words) == 3
    mx = words[0]["multi_match"]
    assert mx["query"] == "mx" and mx["type"] == "best_fields"
    assert {"title_en", "body_tr", "keywords_folded", "title_tr.prefix5", "body_other"} <= set(mx["fields"])
    # The half-typed last word may also be held as a prefix of a folded word.
    last = words[2]["bool"]["should"]
    assert last[1] == {"multi_match": {"query": "ema", "type": "bool_prefix",
                                       "fields": ["title_folded", "keywords_folded", "body_folded"]}}
    # Tiers carry kind/language filters themselves and never facet aggregations.
    faceted = request("mx records", tier="all", kinds=("topic",), facets=True)
    assert {"terms": {"kind": ["topic"]}} in tier_filters(faceted)[0]
    assert "post_filter" not in faceted and set(faceted["aggs"]) == {"groups"}


def test_synonyms_of_the_embedded_analysis_are_searched_too(db):
    from search.stopwords import SYNONYMS

    assert "email" in SYNONYMS["mails"]
    text = combined(request("mails bounce"))["folded"]["query"]
    words = text.split()
    assert words[:2] == ["mails", "bounce"] and "email" in words[2:]
    # For AND-first a synonym counts as holding the word.
    required = tier_filters(request("mails bounce", suggest=True, tier="all"))[0][-1]["bool"]["filter"]
    assert required[0]["multi_match"]["query"].split()[0] == "mails"
    assert "email" in required[0]["multi_match"]["query"].split()


def test_did_you_mean_is_read_from_the_suggesters_best_options():
    from search.backends.es_query import did_you_mean

    response = {"suggest": {
        "typo_title": [{"text": "wordpres", "options": [{"text": "wordpress", "freq": 3}]},
                       {"text": "migrasion", "options": []}],
        "typo_body": [{"text": "wordpres", "options": [{"text": "wordpresss", "freq": 1}]},
                      {"text": "migrasion", "options": [{"text": "migration", "freq": 7}]}],
    }}
    assert did_you_mean("WordPres migrasion?", "en", response) == "wordpress migration?"
    assert did_you_mean("wordpress", "en", {"suggest": {}}) == ""

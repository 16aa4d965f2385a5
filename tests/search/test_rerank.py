"""The shared re-scoring of the best matches (BaseSearchBackend.rerank), used by every backend."""

from search.analysis import analyze_query
from search.backends.base import BaseSearchBackend

TITLES = {
    1: ("Mail quota, aliases, forwarding, autoresponders and spam filters", "en"),
    2: ("Mail quota", "en"),
}


def _order(query: str, rows, matched=None) -> list[int]:
    return [pk for pk, _ in BaseSearchBackend.rerank(rows, TITLES, analyze_query(query, "en"), matched)]


def test_a_title_about_the_question_beats_one_mentioning_its_words_in_passing(settings):
    rows = [(1, 10.0), (2, 9.0)]  # both titles hold both words
    settings.SEARCH_RANKING = {"title_precision_boost": 0.0, "document_coverage_boost": 0.0}
    assert _order("mail quota", rows) == [1, 2]
    settings.SEARCH_RANKING = {"title_precision_boost": 0.5, "document_coverage_boost": 0.0}
    assert _order("mail quota", rows) == [2, 1]


def test_documents_holding_more_of_the_question_move_up(settings):
    settings.SEARCH_RANKING = {"title_coverage_boost": 0.0, "title_precision_boost": 0.0,
                               "document_coverage_boost": 0.5}
    rows = [(2, 10.0), (1, 9.0)]
    query = "raise the mail quota of an alias"  # raise, mail, quota, alias
    assert _order(query, rows, {2: 2, 1: 4}) == [1, 2]
    assert _order(query, rows, {2: 4, 1: 4}) == [2, 1]
    assert _order(query, rows) == [2, 1]  # a backend that cannot tell leaves the factor out

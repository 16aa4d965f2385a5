"""The JSON API and the search page through Django's test client: contract, validation, events."""

import pytest
from django.urls import reverse

from search.models import SearchEvent
from tests.kb.factories import make_article
from tests.search.factories import api_search, api_suggest, ids, make_topic

RESULT_KEYS = {"id", "kind", "title", "url", "language", "snippet", "solved", "score", "translations"}


@pytest.fixture
def content(kb_indexes, public_forum, sync):
    article = make_article(
        kb_indexes["en"], "Set up email on your phone", "email-phone",
        summary="IMAP and SMTP settings for iPhone and Android.", tags=("email",),
    )
    topic = make_topic(
        public_forum, "Email stopped arriving after DNS change",
        "Since I moved my DNS yesterday no email arrives.",
        replies=["Your MX records still point to the old host. Update the MX records."],
        accept=0,
    )
    sync()
    return article, topic


def test_search_returns_articles_and_topics_in_the_documented_shape(client, content):
    article, topic = content
    payload = api_search(client, "email", lang="en")
    assert set(payload) == {"query", "total", "results"}
    assert payload["query"] == "email"
    assert payload["total"] == 2
    assert set(ids(payload)) == {f"kb:{article.pk}", f"topic:{topic.pk}"}
    for result in payload["results"]:
        assert set(result) == RESULT_KEYS
        assert result["kind"] in ("article", "topic")
        assert isinstance(result["score"], float) and result["score"] >= 0
    by_id = {r["id"]: r for r in payload["results"]}
    assert by_id[f"topic:{topic.pk}"]["solved"] is True
    assert by_id[f"kb:{article.pk}"]["solved"] is False
    assert by_id[f"kb:{article.pk}"]["url"] == article.url
    assert client.get(by_id[f"topic:{topic.pk}"]["url"]).status_code == 200


def test_kind_is_a_filter_and_lang_only_a_preference(client, content):
    article, topic = content
    assert ids(api_search(client, "email", kind="topic")) == [f"topic:{topic.pk}"]
    assert ids(api_search(client, "email", kind="article")) == [f"kb:{article.pk}"]
    assert api_search(client, "email", lang="lt")["total"] == 2  # English content still found


def test_limit_and_offset_page_through_results(client, content):
    first = api_search(client, "email", limit=1)
    second = api_search(client, "email", limit=1, offset=1)
    assert first["total"] == second["total"] == 2
    assert len(first["results"]) == len(second["results"]) == 1
    assert first["results"][0]["id"] != second["results"][0]["id"]
    assert api_search(client, "email", offset=5)["results"] == []
    assert api_search(client, "email", offset=5)["total"] == 2


def test_suggest_completes_the_last_word(client, content):
    article, _topic = content
    payload = api_suggest(client, "ema", lang="en")
    assert set(payload) == {"query", "total", "results"}
    assert f"kb:{article.pk}" in ids(payload)
    assert api_search(client, "ema")["total"] == 0  # search does not treat words as prefixes


@pytest.mark.parametrize(
    ("params", "parameter"),
    [({"kind": "video"}, "kind"), ({"lang": "xx"}, "lang"), ({"limit": "0"}, "limit"),
     ({"limit": "51"}, "limit"), ({"limit": "ten"}, "limit"), ({"offset": "-1"}, "offset"),
     ({"offset": "100000"}, "offset")],
)
def test_bad_parameters_get_a_clear_json_400(client, db, params, parameter):
    response = client.get(reverse("search_api:search"), {"q": "dns", **params})
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_parameter"
    assert body["parameter"] == parameter
    assert body["message"]


def test_only_get_is_allowed(client, db):
    response = client.post(reverse("search_api:search"), {"q": "dns"})
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"


def test_rate_limit_answers_429_json(client, db, settings):
    settings.SEARCH_RATE_LIMITS = {"suggest": (3, 60)}
    codes = [client.get(reverse("search_api:suggest"), {"q": "dns"}).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert client.get(reverse("search_api:suggest"), {"q": "dns"}).json()["error"] == "rate_limited"


def test_every_api_search_is_recorded_but_suggestions_are_not(client, content, customer):
    client.force_login(customer)
    api_search(client, "  Email   STOPPED ", lang="en", source="ticket_form")
    api_suggest(client, "ema")
    event = SearchEvent.objects.get()
    assert event.event_type == SearchEvent.Type.SEARCH
    assert event.query == "Email STOPPED"
    assert event.normalized_query == "email stopped"
    assert event.language == "en"
    assert event.source == "ticket_form"
    assert event.result_count == 2  # best match: any word may match
    assert event.user == customer
    assert len(event.session_hash) == 40
    assert client.session.session_key not in event.session_hash


# --- the search page ------------------------------------------------------------------------------

def _text(response) -> str:
    return response.content.decode().replace("<mark>", "").replace("</mark>", "")


def test_search_page_lists_results_with_kind_language_and_solved_badge(client, content):
    article, topic = content
    response = client.get("/en/search/", {"q": "email"})
    assert response.status_code == 200
    html = response.content.decode()
    text = html.replace("<mark>", "").replace("</mark>", "")
    assert "2 results for “email”" in html
    assert article.title in text and topic.subject in text
    assert "Solved" in html and "Article" in html and "Forum topic" in html
    assert "<mark>email</mark>" in html or "<mark>Email</mark>" in html
    event = SearchEvent.objects.get()
    assert (event.source, event.result_count) == ("search_page", 2)


def test_search_page_filters(client, content):
    article, topic = content
    html = _text(client.get("/en/search/", {"q": "email", "kind": "article"}))
    assert article.title in html and topic.subject not in html
    html = client.get("/en/search/", {"q": "email", "language": "tr"}).content.decode()
    assert "No results" in html
    html = _text(client.get("/en/search/", {"q": "phone", "solved": "1"}))
    assert article.title in html  # articles pass the "solved" filter: it is about topics


def test_zero_results_offer_the_community_and_support_with_the_query(client, content):
    response = client.get("/en/search/", {"q": "quantum <b>entanglement</b>"})
    html = response.content.decode()
    assert "No results for" in html
    assert "<b>entanglement</b>" not in html  # the query is escaped
    assert reverse("tickets:contact") + "?subject=quantum+%3Cb%3Eentanglement%3C%2Fb%3E" in html
    assert reverse("support_forum:ask") + "?subject=quantum+%3Cb%3Eentanglement%3C%2Fb%3E" in html


def test_search_page_paginates(client, kb_indexes, sync):
    for number in range(12):
        make_article(kb_indexes["en"], f"Backup guide part {number}", f"backup-{number}", tags=())
    sync()
    first = client.get("/en/search/", {"q": "backup"}).content.decode()
    assert "12 results" in first and 'rel="next"' in first
    second = client.get("/en/search/", {"q": "backup", "page": "2"}).content.decode()
    assert "showing 11–12" in second and 'rel="prev"' in second
    assert client.get("/en/search/", {"q": "backup", "page": "abc"}).status_code == 200


def test_search_page_without_query_shows_the_form(client, db):
    response = client.get("/en/search/")
    assert response.status_code == 200
    assert 'name="q"' in response.content.decode()
    assert not SearchEvent.objects.exists()


def test_search_page_shares_the_api_search_limit(client, site_pages, settings):
    """The HTML page runs the same search and records the same event: one shared budget, and a
    page (not JSON) that keeps the query and says what happened."""
    settings.SEARCH_RATE_LIMITS = {"search": (3, 60)}
    page = reverse("search:search")
    assert client.get(reverse("search_api:search"), {"q": "dns"}).status_code == 200
    codes = [client.get(page, {"q": "dns"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    response = client.get(page, {"q": "dns propagation"})
    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many searches; wait a minute and try again." in html
    assert 'value="dns propagation"' in html
    assert SearchEvent.objects.count() == 3

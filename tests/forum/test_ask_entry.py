"""Ask the community from anywhere: one click from the home page, an article's "Still need help?",
the community page or a search that found nothing reaches the ask form, with the question the
customer already typed filled in, in the forum its words belong to."""

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from search import outbox
from tests.forum.factories import make_reply, make_topic

pytestmark = pytest.mark.django_db

ASK = reverse("support_forum:ask")


def ask_form(forum) -> str:
    return reverse("forum_conversation:topic_create", kwargs={"forum_slug": forum.slug, "forum_pk": forum.pk})


def test_visitors_who_may_not_post_log_in_first_and_keep_their_question(client, forums):
    response = client.get(ASK, {"subject": "refund"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert "next=" in response["Location"] and "subject%3Drefund" in response["Location"]


def test_the_question_lands_in_the_forum_its_words_belong_to_filled_in(client, customer, other_customer, forums):
    domains = forums["domains-dns"]
    topic = make_topic(domains, other_customer, subject="Transfer my domain to you")
    make_reply(topic, customer, "Unlock it and send the transfer code.")
    outbox.drain()
    client.force_login(customer)
    response = client.get(ASK, {"subject": "how do I transfer a domain"})
    assert response.status_code == 302
    assert response["Location"] == ask_form(domains) + "?" + urlencode({"subject": "how do I transfer a domain"})
    html = client.get(response["Location"]).content.decode()
    assert 'value="how do I transfer a domain"' in html  # the subject field, filled in
    for slug, forum in forums.items():  # the other forums one click away, with the same question
        if slug not in ("domains-dns", "staff-lounge") and forum.type == forum.FORUM_POST:
            assert ask_form(forum) + "?" + urlencode({"subject": "how do I transfer a domain"}) in html.replace(
                "&amp;", "&")
    assert ask_form(forums["staff-lounge"]) not in html  # customers can't post there


def test_without_a_question_the_first_forum_is_the_ask_form(client, customer, forums):
    client.force_login(customer)
    response = client.get(ASK)
    assert response.status_code == 302 and "?" not in response["Location"]
    assert client.get(response["Location"]).status_code == 200


def test_every_ask_the_community_button_goes_to_the_ask_entry(client, customer, forums, site_pages):
    from kb.setup import ensure_kb_indexes
    from tests.kb.factories import make_article

    article = make_article(ensure_kb_indexes(site_pages)["en"], "Renew your plan", body=None)
    outbox.drain()
    assert f'href="{ASK}"' in client.get("/en/").content.decode()
    assert f'href="{ASK}"' in client.get(reverse("forum:index")).content.decode()
    assert f'href="{ASK}"' in client.get(article.url).content.decode()
    empty = client.get(reverse("search:search"), {"q": "refund"}).content.decode()
    assert f'href="{ASK}?subject=refund"' in empty

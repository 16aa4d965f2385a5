"""The XSS corpus through whole pages, not only the rendered post body: every payload as a topic
subject and first post (topic page with its <title> and meta description, the forum's topic
list, the poster's profile pages), as a ticket's subject and message, and as a search query
reflected by the search page. Each page is parsed in full, as a browser tokenises it: the page's
own structure (its head, scripts, meta tags, forms) must be exactly what it is for harmless text,
and nowhere may an event handler or a script URL appear."""

from collections import Counter

import pytest
from django.urls import reverse
from machina.core.db.models import get_model

from helpcenter import markup
from tests.forum.factories import make_topic
from tests.security.html_safety import _IGNORED_IN_SCHEME, BAD_SCHEMES, URL_ATTRIBUTES, _Collector, load_corpus
from tickets import services as ticket_services

Post = get_model("forum_conversation", "Post")

PAYLOADS = load_corpus()
HARMLESS = "My mail stopped arriving after the move"


def page_problems(html: str) -> tuple[Counter, list[str]]:
    """(the page's structure outside user content, what could run script anywhere in it)."""
    parser = _Collector()
    parser.feed(html)
    parser.close()
    structure: Counter = Counter()
    found = []
    for tag, attrs in parser.elements:
        names = tuple(sorted(name.lower() for name, _ in attrs))
        if tag not in markup.ALLOWED_TAGS:
            # The site's own elements: a payload must never add one or change its attributes.
            structure[(tag, names)] += 1
        for name, value in attrs:
            name = name.lower()
            if name.startswith("on"):
                found.append(f"event attribute {name} on <{tag}>")
            if name == "http-equiv":
                found.append(f"<{tag} http-equiv={value!r}>")
            if name in URL_ATTRIBUTES and value is not None:
                if _IGNORED_IN_SCHEME.sub("", value).lower().startswith(BAD_SCHEMES):
                    found.append(f"{name}={value!r} on <{tag}>")
    return structure, found


def test_the_page_checker_sees_an_attribute_breakout():
    """A meta description broken out of its quotes changes the page's structure."""
    safe = '<head><meta name="description" content="x &quot; y"></head>'
    broken = '<head><meta name="description" content="0;url=/x" http-equiv="refresh"></head>'
    assert page_problems(safe)[0] != page_problems(broken)[0]
    assert page_problems(broken)[1]
    assert page_problems('<title>a</title><script>alert(1)</script>')[0] != page_problems("<title>a</title>")[0]


def _check(client, urls, baseline, payload, number, failures):
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        structure, found = page_problems(response.content.decode())
        if found:
            failures.append(f"line {number} {payload!r} at {url}: {found[0]}")
        elif structure != baseline[url]:
            extra = (structure - baseline[url]) or (baseline[url] - structure)
            failures.append(f"line {number} {payload!r} at {url}: page structure changed {dict(extra)}")


def test_forum_pages_survive_the_corpus_as_subject_and_post(client, email_forum, customer):
    topic = make_topic(email_forum, customer, subject=HARMLESS, content=HARMLESS)
    post = topic.first_post
    client.force_login(customer)
    topic_url = reverse("forum_conversation:topic", kwargs={
        "forum_slug": email_forum.slug, "forum_pk": email_forum.pk, "slug": topic.slug, "pk": topic.pk})
    urls = [
        topic_url,
        reverse("forum:forum", kwargs={"slug": email_forum.slug, "pk": email_forum.pk}) + "?lang=",
        reverse("forum_member:user_posts", kwargs={"pk": customer.pk}),
        reverse("forum_member:profile", kwargs={"pk": customer.pk}),
    ]
    baseline = {url: page_problems(client.get(url).content.decode())[0] for url in urls}
    failures: list[str] = []
    for number, payload in enumerate(PAYLOADS, start=1):
        topic.subject = payload[:255]
        topic.save(update_fields=["subject"])
        post.subject = payload[:255]
        post.content = payload
        post.save()
        _check(client, urls, baseline, payload, number, failures)
    assert not failures, f"{len(failures)} unsafe pages, first: " + "\n".join(failures[:10])


def test_ticket_page_survives_the_corpus(client, customer):
    ticket = ticket_services.open_ticket(customer, subject=HARMLESS, description=HARMLESS, severity="normal")
    client.force_login(customer)
    url = ticket.get_absolute_url()
    baseline = {url: page_problems(client.get(url).content.decode())[0]}
    failures: list[str] = []
    message = ticket.messages.first() if hasattr(ticket, "messages") else None
    for number, payload in enumerate(PAYLOADS, start=1):
        type(ticket).objects.filter(pk=ticket.pk).update(subject=payload[:200], description=payload)
        if message is not None:
            type(message).objects.filter(pk=message.pk).update(body=payload)
        _check(client, [url], baseline, payload, number, failures)
    assert not failures, f"{len(failures)} unsafe pages, first: " + "\n".join(failures[:10])


@pytest.mark.parametrize("path", ["search:search", "tickets:contact"])
def test_reflected_query_survives_the_corpus(client, customer, site_pages, settings, path):
    """The search page reflects q in <title>, the search box and the "no results" text; the
    contact form pre-fills its subject from the query string."""
    settings.SEARCH_RATE_LIMITS = {"search": (10_000, 60)}
    client.force_login(customer)
    param = "q" if path == "search:search" else "subject"
    base = reverse(path)
    baseline_url = f"{base}?{param}=mail"
    baseline = page_problems(client.get(baseline_url).content.decode())[0]
    failures: list[str] = []
    for number, payload in enumerate(PAYLOADS, start=1):
        response = client.get(base, {param: payload})
        assert response.status_code == 200, (payload, response.status_code)
        structure, found = page_problems(response.content.decode())
        if found:
            failures.append(f"line {number} {payload!r}: {found[0]}")
        elif structure != baseline:
            failures.append(f"line {number} {payload!r}: page structure changed {dict((structure - baseline) or (baseline - structure))}")
    assert not failures, f"{len(failures)} unsafe pages, first: " + "\n".join(failures[:10])

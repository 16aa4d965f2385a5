"""Browser journey: Ask the community deflects like Contact support. A customer types a
question nobody has answered (recorded once as a query that found nothing), then one a KB article
answers: the article appears in the panel, they say it solved their problem, and no topic is
posted."""

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from machina.core.db.models import get_model

from forum import demo, permissions
from search import outbox
from search.models import SearchEvent
from tests.e2e.journeys import log_in
from tests.factories import UserFactory
from tests.kb.factories import make_article, translate

Topic = get_model("forum_conversation", "Topic")
ASK = SearchEvent.Source.ASK_FORM


@pytest.fixture
def ask_data(transactional_db, site_pages):
    from django.core.management import call_command

    from kb.setup import ensure_kb_indexes

    call_command("createcachetable", verbosity=0)  # rate limits live in the database cache
    permissions.sync_all()
    forums = demo.ensure_forums()
    article = make_article(
        ensure_kb_indexes(site_pages)["en"], "Renew an expired SSL certificate", "renew-ssl",
        summary="What to do when the browser says your SSL certificate expired.", tags=("ssl",),
    )
    translate(article, "cy", "Adnewyddu tystysgrif SSL sydd wedi dod i ben")  # listed once, with a link
    outbox.drain()
    asker = UserFactory(username="asker", date_joined=timezone.now() - timedelta(days=90))
    return forums["email"], article, asker


def wait_for(condition, seconds: float = 10.0):
    """Beacons arrive on their own schedule: poll the database for what the page sent."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.2)
    return condition()


def test_ask_the_community_deflects(live_server, page, screenshot, ask_data):
    forum, article, asker = ask_data
    base = live_server.url
    log_in(page, base, asker.username)

    page.goto(f"{base}/en/community/forum/{forum.slug}-{forum.pk}/")
    page.get_by_role("link", name="Ask a question").click()
    subject = page.locator("#topic-form [name=subject]")

    # 1. A question nothing answers: recorded once, as typed, once the customer stops typing.
    subject.press_sequentially("Xyzzy plugh frobnicator", delay=60)
    zero = SearchEvent.objects.filter(source=ASK, event_type=SearchEvent.Type.SUGGESTIONS_SHOWN, result_count=0)
    assert wait_for(zero.exists)
    time.sleep(2)  # long enough for a second settle: it must not send the same query again
    assert list(zero.values_list("query", "doc_id")) == [("Xyzzy plugh frobnicator", "")]
    assert not page.locator("#deflect-results .deflect-result").count()

    # 2. A question an article answers: it appears in the panel while they type.
    subject.fill("")
    subject.press_sequentially("SSL certificate expired", delay=20)
    content = page.locator("#topic-form [name=content]")
    content.fill("My browser says the SSL certificate of my shop expired.")
    content.press("End")
    result = page.locator("#deflect-results .deflect-result").first
    result.wait_for(state="visible")
    assert result.locator(".deflect-title").inner_text() == article.title
    assert result.locator(".deflect-title").get_attribute("target") == "_blank"  # the draft stays
    # Its Welsh translation is not a second suggestion but a small link under it.
    assert "Adnewyddu" not in page.locator("#deflect-results").inner_text().split("Cymraeg")[0]
    welsh = result.locator(".deflect-translations a")
    assert welsh.inner_text() == "Cymraeg" and welsh.get_attribute("hreflang") == "cy"
    screenshot(page, "ask-deflection-suggestions")
    assert wait_for(
        SearchEvent.objects.filter(source=ASK, event_type=SearchEvent.Type.SUGGESTIONS_SHOWN, doc_id=f"kb:{article.pk}").exists
    )

    # 3. "This solved my problem": nothing is posted, the draft is gone.
    result.get_by_role("button", name="This solved my problem").click()
    page.wait_for_load_state()
    assert "Glad you found the answer" in page.content()
    screenshot(page, "ask-deflection-solved")
    assert not Topic.objects.filter(subject__icontains="SSL certificate expired").exists()
    solved = SearchEvent.objects.get(source=ASK, event_type=SearchEvent.Type.SOLVED)
    assert solved.doc_id == f"kb:{article.pk}"
    assert solved.query.startswith("SSL certificate expired")
    assert not SearchEvent.objects.filter(event_type=SearchEvent.Type.TOPIC_CREATED).exists()

"""The home page in every language: heading, search box, notices, articles, solved threads."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from wagtail.models import Locale

from home.models import ServiceNotice
from home.site_setup import HOME_HEADINGS

pytestmark = pytest.mark.django_db

LANGS = ("en", "ne", "cy", "lo", "tr", "lt")


def make_notice(lang: str, title: str, **fields) -> ServiceNotice:
    fields.setdefault("starts_at", timezone.now() - timedelta(hours=1))
    fields.setdefault("ends_at", timezone.now() + timedelta(hours=5))
    return ServiceNotice.objects.create(
        locale=Locale.objects.get(language_code=lang), title=title, body=f"Details {lang}", **fields
    )


@pytest.mark.parametrize("lang", LANGS)
def test_home_page_renders_heading_search_and_notice(client, site_pages, lang):
    make_notice(lang, f"Mail maintenance [{lang}]")
    response = client.get(f"/{lang}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{lang}"' in html
    assert HOME_HEADINGS[lang] in html
    assert 'id="home-q"' in html and 'name="q"' in html and "data-suggest" in html
    assert 'action="/' + lang + '/search/"' in html
    assert f"Mail maintenance [{lang}]" in html
    # Only this language's notice.
    other = next(code for code in LANGS if code != lang)
    assert f"Mail maintenance [{other}]" not in html


def test_home_page_hides_inactive_expired_and_non_site_wide_notices(client, site_pages):
    now = timezone.now()
    make_notice("en", "Running now")
    make_notice("en", "Switched off", is_active=False)
    make_notice("en", "Already over", starts_at=now - timedelta(days=2), ends_at=now - timedelta(days=1))
    make_notice("en", "Keyword only", site_wide=False)
    make_notice("en", "Next month", starts_at=now + timedelta(days=30), ends_at=now + timedelta(days=31))
    make_notice("en", "Tomorrow", starts_at=now + timedelta(days=1), ends_at=None)
    html = client.get("/en/").content.decode()
    assert "Running now" in html
    assert "Tomorrow" in html  # upcoming within a week is announced
    for hidden in ("Switched off", "Already over", "Keyword only", "Next month"):
        assert hidden not in html


def test_outage_is_listed_before_maintenance(client, site_pages):
    make_notice("en", "Planned work", kind=ServiceNotice.Kind.MAINTENANCE)
    make_notice("en", "Mail is down", kind=ServiceNotice.Kind.OUTAGE)
    html = client.get("/en/").content.decode()
    assert html.index("Mail is down") < html.index("Planned work")


def test_home_page_lists_popular_articles_in_its_language(client, site_pages):
    from kb.models import ArticlePage
    from kb.setup import ensure_kb_indexes
    from tests.kb.factories import make_article, make_category, translate

    indexes = ensure_kb_indexes(site_pages)
    category = make_category(indexes["en"], "Email", "email")
    quiet = make_article(category, "Forward mail to another address", "forward-mail")
    popular = make_article(category, "Set up email on your phone", "phone-email")
    ArticlePage.objects.filter(pk=popular.pk).update(view_count=500)
    ArticlePage.objects.filter(pk=quiet.pk).update(view_count=3)
    translate(popular, "tr", "Telefonunuzda e-postayı kurun")

    html = client.get("/en/").content.decode()
    assert html.index("Set up email on your phone") < html.index("Forward mail to another address")
    assert popular.url in html

    tr_html = client.get("/tr/").content.decode()
    assert "Telefonunuzda e-postayı kurun" in tr_html
    assert "Set up email on your phone" not in tr_html


def test_home_page_lists_solved_threads_the_visitor_may_read(client, site_pages, customer, moderator, staff):
    from forum import demo as forum_demo
    from forum import permissions, services
    from tests.forum.factories import make_reply, make_topic

    permissions.sync_all()
    forums = forum_demo.ensure_forums()
    public = make_topic(forums["email"], customer, subject="Mailbox full warning keeps coming back")
    answer = make_reply(public, moderator, "Empty the Trash folder, it counts towards the quota.")
    services.accept_answer(public, answer, customer)
    unsolved = make_topic(forums["email"], customer, subject="Nobody has answered this yet")
    private = make_topic(forums["staff-lounge"], staff, subject="Internal: rotate the SMTP relay key")
    private_answer = make_reply(private, staff, "Done.")
    services.accept_answer(private, private_answer, staff)
    welsh = make_topic(forums["email"], customer, subject="Blwch post yn llawn", language="cy")
    services.accept_answer(welsh, make_reply(welsh, moderator, "Gwagiwch y sbwriel."), customer)

    html = client.get("/en/").content.decode()
    assert "Mailbox full warning keeps coming back" in html
    topic_url = reverse(
        "forum_conversation:topic",
        kwargs={"forum_slug": public.forum.slug, "forum_pk": public.forum.pk, "slug": public.slug, "pk": public.pk},
    )
    assert f'href="{topic_url}"' in html
    assert unsolved.subject not in html
    assert private.subject not in html  # the anonymous visitor can't read the staff forum
    assert welsh.subject not in html

    client.force_login(staff)
    assert private.subject in client.get("/en/").content.decode()
    assert welsh.subject in client.get("/cy/").content.decode()


def test_home_page_without_content_says_so(client, site_pages):
    html = client.get("/lo/").content.decode()
    assert 'class="empty-state"' in html

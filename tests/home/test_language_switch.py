"""The header's language switcher lands on the same page in the new language where it exists."""

import pytest
from django.conf import settings
from wagtail.models import Locale, Page

pytestmark = pytest.mark.django_db

SET_LANGUAGE = "/i18n/setlang/"


def switch(client, language: str, next_url: str):
    return client.post(SET_LANGUAGE, {"language": language, "next": next_url})


@pytest.fixture
def about_pages(site_pages):
    """An English page with a Nepali translation at a different slug, and no Welsh one."""
    english = site_pages["en"].add_child(instance=Page(title="About hosting", slug="about-hosting"))
    nepali = english.copy_for_translation(Locale.objects.get(language_code="ne"), alias=False)
    nepali.slug = "hosting-barema"
    nepali.title = "होस्टिङको बारेमा"
    nepali.save_revision().publish()
    return english, Page.objects.get(pk=nepali.pk)


def test_header_switcher_form_posts_current_path(client, site_pages):
    html = client.get("/tr/?x=1").content.decode()
    assert f'action="{SET_LANGUAGE}"' in html
    assert 'name="next" type="hidden" value="/tr/?x=1"' in html
    assert '<option value="lo" lang="lo">ລາວ</option>' in html
    assert '<option value="tr" lang="tr" selected>Türkçe</option>' in html


def test_switch_home_page(client, site_pages):
    response = switch(client, "ne", "/en/")
    assert response.status_code == 302
    assert response["Location"] == "/ne/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ne"


def test_switch_lands_on_translated_page_with_its_own_slug(client, about_pages):
    english, nepali = about_pages
    response = switch(client, "ne", english.url)
    assert response["Location"] == nepali.url == "/ne/hosting-barema/"
    # ... and back again.
    response = switch(client, "en", "/ne/hosting-barema/")
    assert response["Location"] == "/en/about-hosting/"


def test_switch_to_language_without_translation_lands_on_its_home(client, about_pages):
    english, _nepali = about_pages
    response = switch(client, "cy", english.url)
    assert response["Location"] == "/cy/"


def test_switch_on_a_view_keeps_path_and_query(client, site_pages):
    response = switch(client, "lt", "/en/accounts/login/?next=/en/support/")
    assert response["Location"] == "/lt/accounts/login/?next=/en/support/"
    response = client.get(response["Location"])
    assert response.status_code == 200
    assert '<html lang="lt"' in response.content.decode()


def test_switch_for_unknown_page_goes_home(client, site_pages):
    response = switch(client, "tr", "/en/no-such-page/")
    assert response["Location"] == "/tr/"


def test_switch_refuses_offsite_next(client, site_pages):
    response = switch(client, "tr", "https://evil.example/")
    assert response["Location"] == "/tr/"


def test_switch_remembers_choice_for_logged_in_user(client, site_pages, customer):
    client.force_login(customer)
    switch(client, "lo", "/en/")
    customer.refresh_from_db()
    assert customer.preferred_language == "lo"


def test_get_changes_nothing(client, site_pages, customer):
    client.force_login(customer)
    response = client.get(SET_LANGUAGE, {"language": "lo", "next": "/en/"})
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies
    customer.refresh_from_db()
    assert customer.preferred_language == "en"


def test_unknown_language_is_ignored(client, site_pages):
    response = switch(client, "xx", "/en/")
    assert response["Location"] == "/en/"
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies

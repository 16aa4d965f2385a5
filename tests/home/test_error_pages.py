"""404, 403 and 500 pages in the site's look; the 500 page needs no database."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.utils import translation
from django.views import defaults

pytestmark = pytest.mark.django_db


def test_404_in_site_look(client, site_pages):
    response = client.get("/ne/there-is-no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'class="site-header"' in html and 'class="site-footer"' in html
    assert 'class="skip-link"' in html
    assert 'id="error-q"' in html  # a search box to recover
    assert '<html lang="ne"' in html


def test_403_offers_login_to_anonymous_visitor(site_pages):
    request = RequestFactory().get("/en/support/")
    request.user = AnonymousUser()
    with translation.override("en"):
        response = defaults.permission_denied(request, PermissionDenied())
    assert response.status_code == 403
    html = response.content.decode()
    assert "/en/accounts/login/?next=/en/support/" in html
    assert 'class="site-header"' in html


def test_500_renders_without_request_or_database(django_assert_num_queries):
    request = RequestFactory().get("/en/")
    with translation.override("cy"), django_assert_num_queries(0):
        response = defaults.server_error(request)
    assert response.status_code == 500
    html = response.content.decode()
    assert '<html lang="cy"' in html
    assert 'class="site-header"' in html
    assert 'href="/cy/"' in html


def test_favicon_is_served(client):
    """The icon the pages link to exists, and /favicon.ico (asked for by browsers regardless)
    leads to it instead of a 404."""
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("img/favicon.svg")
    assert finders.find("img/favicon.svg")

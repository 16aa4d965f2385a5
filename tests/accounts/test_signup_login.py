"""Sign-up, log in and log out through the real views, templates and database."""

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY

from accounts import roles
from accounts.models import User
from accounts.views import LOGIN_LIMIT, SIGNUP_LIMIT
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SIGNUP_URL = "/en/accounts/signup/"
LOGIN_URL = "/en/accounts/login/"


def signup_data(**overrides) -> dict:
    data = {
        "username": "newcustomer",
        "email": "new@example.com",
        "display_name": "New Customer",
        "preferred_language": "ne",
        "password1": "plum-orchard-74-lantern",
        "password2": "plum-orchard-74-lantern",
    }
    data.update(overrides)
    return data


def test_signup_page_has_labelled_fields(client, site_pages):
    response = client.get(SIGNUP_URL)
    assert response.status_code == 200
    html = response.content.decode()
    for name in ("username", "email", "display_name", "preferred_language", "password1", "password2"):
        assert f'for="id_{name}"' in html
        assert f'id="id_{name}"' in html
    # Languages are offered in their own names.
    assert "नेपाली" in html and "ພາສາລາວ" not in html and "ລາວ" in html


def test_signup_creates_customer_logs_in_and_switches_to_preferred_language(client, site_pages):
    response = client.post(SIGNUP_URL, signup_data())
    assert response.status_code == 302
    assert response["Location"] == "/ne/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ne"
    user = User.objects.get(username="newcustomer")
    assert user.email == "new@example.com"
    assert user.display_name == "New Customer"
    assert user.preferred_language == "ne"
    assert user.check_password("plum-orchard-74-lantern")
    assert list(user.groups.values_list("name", flat=True)) == [roles.CUSTOMERS]
    assert client.session[SESSION_KEY] == str(user.pk)


def test_signup_follows_safe_next(client, site_pages):
    response = client.post(SIGNUP_URL, signup_data(preferred_language="en", next="/en/accounts/profile/"))
    assert response["Location"] == "/en/accounts/profile/"


def test_signup_errors_keep_input_but_not_passwords(client, site_pages):
    response = client.post(SIGNUP_URL, signup_data(password2="something-else-entirely"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="newcustomer"' in html
    assert 'value="new@example.com"' in html
    assert "plum-orchard-74-lantern" not in html
    assert 'aria-invalid="true"' in html
    assert not User.objects.filter(username="newcustomer").exists()


def test_signup_rejects_an_email_already_in_use(client, site_pages):
    UserFactory(username="existing", email="New@Example.com")
    response = client.post(SIGNUP_URL, signup_data())
    assert response.status_code == 200
    assert "An account with this email address already exists" in response.content.decode()
    assert not User.objects.filter(username="newcustomer").exists()


def test_signup_is_rate_limited_and_keeps_what_was_typed(client, site_pages):
    for i in range(SIGNUP_LIMIT.count):
        # Invalid (passwords differ) so nobody gets logged in and every attempt counts.
        client.post(SIGNUP_URL, signup_data(username=f"try{i}", password2="x"))
    response = client.post(SIGNUP_URL, signup_data(username="onemore"))
    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many sign-up attempts" in html
    assert 'value="onemore"' in html
    assert "plum-orchard-74-lantern" not in html
    assert not User.objects.filter(username="onemore").exists()


def test_login_redirects_to_home_in_preferred_language(client, site_pages):
    UserFactory(username="bikash", preferred_language="ne")
    response = client.post(LOGIN_URL, {"username": "bikash", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/ne/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "ne"
    assert SESSION_KEY in client.session


def test_login_follows_next_translated_into_preferred_language(client, site_pages):
    UserFactory(username="elif", preferred_language="tr")
    response = client.post(
        LOGIN_URL, {"username": "elif", "password": PASSWORD, "next": "/en/accounts/profile/"}
    )
    assert response["Location"] == "/tr/accounts/profile/"


def test_login_ignores_offsite_next(client, site_pages):
    UserFactory(username="amira", preferred_language="en")
    response = client.post(
        LOGIN_URL, {"username": "amira", "password": PASSWORD, "next": "https://evil.example/phish"}
    )
    assert response["Location"] == "/en/"


def test_login_accepts_email_address(client, site_pages):
    UserFactory(username="carys", email="carys@example.com", preferred_language="cy")
    response = client.post(LOGIN_URL, {"username": "Carys@Example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/cy/"


def test_wrong_password_shows_message_and_keeps_username(client, site_pages):
    UserFactory(username="rasa")
    response = client.post(LOGIN_URL, {"username": "rasa", "password": "not-the-password"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "That username and password don&#x27;t match" in html
    assert 'value="rasa"' in html
    assert "not-the-password" not in html
    assert SESSION_KEY not in client.session


def test_login_is_rate_limited_even_with_the_right_password(client, site_pages):
    UserFactory(username="somsak")
    for _ in range(LOGIN_LIMIT.count):
        client.post(LOGIN_URL, {"username": "somsak", "password": "guess"})
    response = client.post(LOGIN_URL, {"username": "somsak", "password": PASSWORD})
    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many login attempts" in html
    assert 'value="somsak"' in html
    assert PASSWORD not in html
    assert SESSION_KEY not in client.session


def test_logout_needs_post_and_logs_out(client, site_pages, customer):
    client.force_login(customer)
    assert client.get("/en/accounts/logout/").status_code == 405
    assert SESSION_KEY in client.session
    response = client.post("/ne/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == "/ne/"
    assert SESSION_KEY not in client.session
    page = client.get("/ne/")
    assert 'href="/ne/accounts/login/' in page.content.decode()


def test_header_shows_account_menu_for_logged_in_user(client, site_pages, customer):
    client.force_login(customer)
    html = client.get("/en/").content.decode()
    assert customer.get_display_name() in html
    assert 'action="/en/accounts/logout/"' in html
    assert 'href="/en/accounts/signup/"' not in html

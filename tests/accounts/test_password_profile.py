"""Password change, password reset by email, the profile page and the admin user forms."""

import re

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import reverse

from accounts.models import User
from accounts.views import PASSWORD_RESET_LIMIT
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "violet-harbour-93-kettle"


def test_password_change_requires_login(client, site_pages):
    response = client.get("/en/accounts/password/change/")
    assert response.status_code == 302
    assert response["Location"].startswith("/en/accounts/login/?next=")


def test_password_change(client, site_pages, customer):
    client.force_login(customer)
    response = client.post(
        "/en/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == "/en/accounts/password/change/done/"
    customer.refresh_from_db()
    assert customer.check_password(NEW_PASSWORD)
    # Still logged in on this device (Django rotates the session hash).
    assert client.get("/en/accounts/profile/").status_code == 200


def test_password_change_wrong_old_password(client, site_pages, customer):
    client.force_login(customer)
    response = client.post(
        "/en/accounts/password/change/",
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()
    customer.refresh_from_db()
    assert customer.check_password(PASSWORD)


def test_password_reset_by_email_end_to_end(client, site_pages):
    user = UserFactory(username="forgetful", email="forgetful@example.com")
    response = client.post("/en/accounts/password/reset/", {"email": "Forgetful@example.com"})
    assert response.status_code == 302
    assert response["Location"] == "/en/accounts/password/reset/sent/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["forgetful@example.com"]
    assert settings.WAGTAIL_SITE_NAME in message.subject
    assert "forgetful" in message.body
    link = re.search(r"https?://testserver(/en/accounts/password/reset/[^/\s]+/[^/\s]+/)", message.body)
    assert link, message.body

    # The emailed link redirects to a token-free URL showing the new-password form.
    response = client.get(link.group(1), follow=True)
    assert response.status_code == 200
    assert response.context["validlink"] is True
    set_password_url = response.redirect_chain[-1][0]
    response = client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/en/accounts/password/reset/done/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)

    # The link works only once.
    response = client.get(link.group(1), follow=True)
    assert response.context["validlink"] is False
    assert "This link no longer works" in response.content.decode()

    # And the new password logs in.
    response = client.post("/en/accounts/login/", {"username": "forgetful", "password": NEW_PASSWORD})
    assert response.status_code == 302
    assert SESSION_KEY in client.session


def test_password_reset_for_unknown_email_sends_nothing_but_says_the_same(client, site_pages):
    response = client.post("/en/accounts/password/reset/", {"email": "nobody@example.com"})
    assert response["Location"] == "/en/accounts/password/reset/sent/"
    assert mail.outbox == []


def test_password_reset_is_rate_limited(client, site_pages):
    UserFactory(username="flood", email="flood@example.com")
    for _ in range(PASSWORD_RESET_LIMIT.count):
        client.post("/en/accounts/password/reset/", {"email": "flood@example.com"})
    assert len(mail.outbox) == PASSWORD_RESET_LIMIT.count
    response = client.post("/en/accounts/password/reset/", {"email": "flood@example.com"})
    assert response.status_code == 429
    assert "Too many password reset requests" in response.content.decode()
    assert 'value="flood@example.com"' in response.content.decode()
    assert len(mail.outbox) == PASSWORD_RESET_LIMIT.count


def test_profile_requires_login(client, site_pages):
    response = client.get("/en/accounts/profile/")
    assert response.status_code == 302
    assert response["Location"] == "/en/accounts/login/?next=/en/accounts/profile/"


def test_profile_update(client, site_pages, customer):
    client.force_login(customer)
    response = client.get("/en/accounts/profile/")
    assert response.status_code == 200
    assert customer.get_username() in response.content.decode()
    response = client.post(
        "/en/accounts/profile/",
        {"display_name": "Cee Customer", "email": "cee@example.com", "preferred_language": "en"},
        follow=True,
    )
    assert response.status_code == 200
    assert "Your profile has been saved." in response.content.decode()
    customer.refresh_from_db()
    assert customer.display_name == "Cee Customer"
    assert customer.email == "cee@example.com"
    assert "Cee Customer" in response.content.decode()  # header shows the new name


def test_profile_language_change_switches_the_site(client, site_pages, customer):
    client.force_login(customer)
    response = client.post(
        "/en/accounts/profile/",
        {"display_name": "", "email": customer.email, "preferred_language": "lt"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/lt/accounts/profile/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "lt"
    customer.refresh_from_db()
    assert customer.preferred_language == "lt"


def test_profile_rejects_someone_elses_email_and_keeps_input(client, site_pages, customer, other_customer):
    client.force_login(customer)
    response = client.post(
        "/en/accounts/profile/",
        {"display_name": "Typed Name", "email": other_customer.email.upper(), "preferred_language": "en"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Another account already uses this email address." in html
    assert 'value="Typed Name"' in html
    customer.refresh_from_db()
    assert customer.display_name != "Typed Name"


def test_wagtail_admin_user_forms_show_profile_fields(client, site_pages):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    target = UserFactory(username="someone", display_name="Some One", preferred_language="lo")
    client.force_login(admin)
    edit_url = reverse("wagtailusers_users:edit", args=[target.pk])
    edit = client.get(edit_url)
    assert edit.status_code == 200
    html = edit.content.decode()
    assert 'name="display_name"' in html and 'value="Some One"' in html
    assert 'name="preferred_language"' in html
    create = client.get(reverse("wagtailusers_users:add"))
    assert 'name="display_name"' in create.content.decode()

    response = client.post(
        edit_url,
        {
            "username": "someone",
            "email": target.email,
            "first_name": "",
            "last_name": "",
            "display_name": "Renamed",
            "preferred_language": "tr",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    target.refresh_from_db()
    assert (target.display_name, target.preferred_language) == ("Renamed", "tr")
    assert User.objects.filter(username="someone").count() == 1

"""Every public page carries the Content-Security-Policy (scripts from our origin only); the
admins, which need inline scripts, are left out."""

import pytest
from django.urls import reverse


@pytest.mark.parametrize("path", ["/en/", "/en/search/?q=dns", "/en/community/", "/en/support/"])
def test_public_pages_forbid_inline_scripts(client, site_pages, path):
    response = client.get(path, follow=True)
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert "object-src 'none'" in policy
    # And the pages themselves hold no inline script the policy would block.
    assert "<script>" not in response.content.decode()


def test_admin_is_left_out(client, staff):
    client.force_login(staff)
    response = client.get(reverse("wagtailadmin_home"))
    assert response.status_code == 200
    assert "Content-Security-Policy" not in response.headers

"""The client address behind trusted proxies (TRUSTED_PROXIES): rate limits key on it, so with
nothing trusted a forged X-Forwarded-For changes nothing, and with a proxy trusted two visitors
behind it get separate buckets."""

import pytest
from django.test import RequestFactory
from django.urls import reverse

from helpcenter.client_address import client_ip, parse_trusted_proxies


def _request(remote: str, forwarded: str | None = None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


@pytest.mark.parametrize(
    ("trusted", "remote", "forwarded", "client"),
    [
        ("", "203.0.113.9", "198.51.100.1", "203.0.113.9"),  # default: the header is ignored
        (0, "10.0.0.2", "198.51.100.1", "10.0.0.2"),
        (1, "10.0.0.2", "198.51.100.1", "198.51.100.1"),
        (1, "10.0.0.2", "6.6.6.6, 198.51.100.1", "198.51.100.1"),  # the forged left entry loses
        (2, "10.0.0.2", "6.6.6.6, 198.51.100.1, 10.0.0.5", "198.51.100.1"),
        (3, "10.0.0.2", "198.51.100.1", "198.51.100.1"),  # fewer hops than trusted: leftmost
        ("10.0.0.0/8", "10.0.0.2", "6.6.6.6, 198.51.100.1, 10.0.0.5", "198.51.100.1"),
        ("10.0.0.0/8,127.0.0.1", "127.0.0.1", "198.51.100.1, 10.1.2.3", "198.51.100.1"),
        ("10.0.0.0/8", "203.0.113.9", "198.51.100.1", "203.0.113.9"),  # not from our proxy
        ("2001:db8::/32", "2001:db8::1", "2001:db8:ffff::2, 2a00::7", "2a00::7"),
        ("10.0.0.0/8", "10.0.0.2", "not-an-address", "not-an-address"),
    ],
)
def test_client_ip(settings, trusted, remote, forwarded, client):
    settings.TRUSTED_PROXIES = trusted
    assert client_ip(_request(remote, forwarded)) == client


def test_setting_parses_counts_and_networks_and_refuses_garbage():
    assert parse_trusted_proxies("") == ()
    assert parse_trusted_proxies("2") == 2
    assert parse_trusted_proxies("10.0.0.0/8, 127.0.0.1") == ("10.0.0.0/8", "127.0.0.1")
    with pytest.raises(ValueError):
        parse_trusted_proxies("10.0.0.0/8,nginx")


def test_default_rate_limit_ignores_a_forged_header(client, db, settings):
    settings.SEARCH_RATE_LIMITS = {"suggest": (2, 60)}
    url = reverse("search_api:suggest")
    codes = [
        client.get(url, {"q": "dns"}, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}").status_code for n in range(3)
    ]
    assert codes == [200, 200, 429]


def test_behind_a_trusted_proxy_visitors_get_their_own_buckets(client, db, settings):
    settings.SEARCH_RATE_LIMITS = {"suggest": (2, 60)}
    settings.TRUSTED_PROXIES = 1
    url = reverse("search_api:suggest")
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    first = [client.get(url, {"q": "dns"}, HTTP_X_FORWARDED_FOR="198.51.100.1", **proxy).status_code for _ in range(3)]
    second = client.get(url, {"q": "dns"}, HTTP_X_FORWARDED_FOR="198.51.100.2", **proxy).status_code
    assert first == [200, 200, 429]
    assert second == 200

"""Every page of the demo site renders for every role: no 500 anywhere.

Loads the demo content once, then crawls the site as an anonymous visitor, a customer, a moderator
and a support agent, following every internal link it finds (GET only), starting from the home page
of each language, every URL pattern that takes no arguments, and the Wagtail admin for staff.
"""

import re
from collections import deque
from urllib.parse import urldefrag, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from accounts.models import User

LANGS = ("en", "ne", "cy", "lo", "tr", "lt")
SKIP = re.compile(
    r"(logout|/i18n/|set_language|^/static/|^/media/|^/documents/|/feeds/|\.(png|jpe?g|gif|svg|css|js|ico|woff2?)$"
    r"|/admin/(images|documents)/multiple|/admin/.*/(delete|unpublish|move|copy)/"
    r"|/admin/reports/.*\?export=|/admin/.*export|/download/"
    # Wagtail's deliberate "raise an error" page for checking error reporting.
    r"|^/admin/failwhale/)"
)
HREF = re.compile(r'href="([^"#]+)"')
MAX_SITE_PAGES = 260
MAX_ADMIN_PAGES = 120


def _argument_free_paths() -> list[str]:
    """Every URL pattern that needs no arguments, under the English prefix where it has one."""
    found = []

    def walk(patterns, prefix):
        for p in patterns:
            route = str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + route)
            elif isinstance(p, URLPattern):
                full = prefix + route
                if any(ch in full for ch in "<(*?[\\") or "$" in full[:-1]:
                    continue
                found.append("/" + full.lstrip("^").rstrip("$"))

    walk(get_resolver().url_patterns, "")
    paths = []
    for path in found:
        if path.startswith("/en/") or not re.match(r"^/(ne|cy|lo|tr|lt)/", path):
            paths.append(path.replace("//", "/"))
    return paths


def crawl(client: Client, seeds: list[str], limit: int, allow_admin: bool) -> tuple[dict, list]:
    seen: dict[str, int] = {}
    failures = []
    queue = deque(seeds)
    site_count = admin_count = 0
    while queue:
        url = queue.popleft()
        url = urldefrag(url)[0]
        if url in seen or SKIP.search(url):
            continue
        is_admin = url.startswith("/admin") or url.startswith("/django-admin")
        if is_admin and (not allow_admin or admin_count >= MAX_ADMIN_PAGES):
            continue
        if not is_admin and site_count >= limit:
            continue
        response = client.get(url, follow=False)
        seen[url] = response.status_code
        if is_admin:
            admin_count += 1
        else:
            site_count += 1
        if response.status_code >= 500:
            failures.append((url, response.status_code))
            continue
        if response.status_code in (301, 302) and response.get("Location", "").startswith("/"):
            queue.append(response["Location"])
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        for href in HREF.findall(response.content.decode("utf-8", "replace")):
            href = href.replace("&amp;", "&")
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not href.startswith("/"):
                continue
            if href not in seen:
                queue.append(href)
    return seen, failures


@pytest.mark.django_db
def test_every_page_renders_for_every_role():
    call_command("forum_sync_permissions", verbosity=0)
    call_command("load_demo", verbosity=0, stdout=open("/dev/null", "w"))
    seeds = ["/"] + [f"/{lang}/" for lang in LANGS] + [
        "/en/kb/", "/en/community/", "/en/search/?q=dns", "/en/search/?q=zzzzzz-nothing",
        "/en/support/", "/lo/search/?q=ອີເມວ", "/api/search?q=email", "/api/suggest?q=ema",
    ] + _argument_free_paths()

    roles = {"anonymous": None, "customer": "amira", "moderator": "mod_maya", "staff": "staff_sam"}
    report = {}
    all_failures = []
    for role, username in roles.items():
        client = Client(raise_request_exception=False)
        if username:
            client.force_login(User.objects.get(username=username))
        role_seeds = seeds + (["/admin/"] if role == "staff" else [])
        seen, failures = crawl(client, role_seeds, MAX_SITE_PAGES, allow_admin=(role == "staff"))
        report[role] = len(seen)
        all_failures += [(role, url, status) for url, status in failures]
        assert len(seen) > 40, f"{role} crawl reached only {len(seen)} pages: {sorted(seen)[:20]}"
    assert not all_failures, f"server errors: {all_failures}\npages per role: {report}"

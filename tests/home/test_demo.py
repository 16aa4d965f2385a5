"""home.demo: site structure, demo users and service notices; running it twice changes nothing."""

import io
import json
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.html import escape

from accounts import roles
from home import demo
from home.models import HomePage, ServiceNotice

pytestmark = pytest.mark.django_db

LANGS = ("en", "ne", "cy", "lo", "tr", "lt")


def snapshot() -> dict:
    User = get_user_model()
    return {
        "users": sorted(User.objects.values_list("username", "password", "display_name", "preferred_language")),
        "groups": sorted(User.groups.through.objects.values_list("user__username", "group__name")),
        "notices": sorted(
            ServiceNotice.objects.values_list(
                "translation_key", "locale__language_code", "title", "starts_at", "ends_at", "keywords"
            )
        ),
        "homes": sorted(HomePage.objects.values_list("pk", "locale__language_code")),
    }


def write_notices(tmp_path, notices) -> "Path":  # noqa: F821
    path = tmp_path / "notices.json"
    path.write_text(json.dumps(notices, ensure_ascii=False), encoding="utf-8")
    return path


SAMPLE = [
    {
        "key": "mail-maintenance",
        "kind": "maintenance",
        "active": True,
        "starts_in_hours": -1,
        "ends_in_hours": 47,
        "keywords": ["email", "smtp"],
        "title": {lang: f"Mail maintenance {lang}" for lang in LANGS},
        "body": {lang: f"Body {lang}" for lang in LANGS},
    },
    {
        "key": "old-outage",
        "kind": "outage",
        "active": False,
        "starts_in_hours": -72,
        "ends_in_hours": -70,
        "keywords": {"en": ["dns"], "tr": ["alan adı"]},
        "title": {"en": "DNS outage", "tr": "DNS kesintisi"},
    },
]


def test_demo_users_roles_and_languages(site_pages):
    out = io.StringIO()
    demo.ensure_users(out)
    User = get_user_model()
    expected_languages = {"amira": "en", "bikash": "ne", "carys": "cy", "somsak": "lo", "elif": "tr", "rasa": "lt"}
    for username, lang in expected_languages.items():
        user = User.objects.get(username=username)
        assert user.preferred_language == lang
        assert user.groups.filter(name=roles.CUSTOMERS).exists()
        assert user.check_password("demo-password-123")
    assert User.objects.get(username="mod_maya").groups.filter(name=roles.MODERATORS).exists()
    sam = User.objects.get(username="staff_sam")
    assert sam.is_staff and sam.groups.filter(name=roles.SUPPORT_STAFF).exists()
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.check_password("admin-demo-password")
    assert "9/9 demo users (9 new)" in out.getvalue()


def test_notices_are_linked_translations_with_relative_times(site_pages, tmp_path):
    path = write_notices(tmp_path, SAMPLE)
    before = timezone.now()
    created = demo.ensure_notices(io.StringIO(), path)
    assert created == 8
    maintenance = ServiceNotice.objects.filter(translation_key=demo.notice_translation_key("mail-maintenance"))
    assert sorted(maintenance.values_list("locale__language_code", flat=True)) == sorted(LANGS)
    english = maintenance.get(locale__language_code="en")
    assert english.get_translations().count() == 5
    assert english.keywords == "email, smtp"
    assert english.is_active and english.kind == "maintenance"
    assert abs(english.starts_at - (before - timedelta(hours=1))) < timedelta(minutes=1)
    assert abs(english.ends_at - (before + timedelta(hours=47))) < timedelta(minutes=1)
    turkish_outage = ServiceNotice.objects.get(title="DNS kesintisi")
    assert turkish_outage.keywords == "alan adı" and not turkish_outage.is_active
    assert ServiceNotice.objects.filter(title="DNS outage").count() == 1


def test_load_twice_changes_nothing(site_pages, tmp_path, monkeypatch):
    monkeypatch.setattr(demo, "NOTICES_FILE", write_notices(tmp_path, SAMPLE))
    demo.load(io.StringIO())
    first = snapshot()
    with time_machine.travel(timezone.now() + timedelta(hours=5)):
        out = io.StringIO()
        demo.load(out)
    assert snapshot() == first
    assert "(0 new)" in out.getvalue()


def test_missing_notices_file_is_reported_not_fatal(site_pages, tmp_path):
    out = io.StringIO()
    assert demo.ensure_notices(out, tmp_path / "absent.json") == 0
    assert "skipped service notices" in out.getvalue()


def test_broken_notices_file_names_file_and_line(site_pages, tmp_path):
    path = tmp_path / "notices.json"
    path.write_text('[\n  {"key": "x",\n  oops\n]', encoding="utf-8")
    with pytest.raises(ValueError, match=r"notices\.json: line 3"):
        demo.ensure_notices(io.StringIO(), path)


@pytest.mark.skipif(not demo.NOTICES_FILE.exists(), reason="home/demo_content/notices.json not written yet")
def test_shipped_notices_file_loads_and_shows_on_home_pages(client, site_pages):
    data = json.loads(demo.NOTICES_FILE.read_text(encoding="utf-8"))
    demo.ensure_notices(io.StringIO())
    for notice in data:
        assert set(notice["title"]) == set(LANGS), notice["key"]
    showing = [n for n in data if n.get("active", True) and n["starts_in_hours"] <= 0 < n["ends_in_hours"]]
    assert showing, "the demo needs at least one notice running now"
    for lang in LANGS:
        html = client.get(f"/{lang}/").content.decode()
        for notice in showing:
            assert escape(notice["title"][lang]) in html

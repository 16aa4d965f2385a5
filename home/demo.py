"""Demo content for the home app: site structure, demo users and service notices.

Called first by `manage.py load_demo` (see team DEMO_FORMAT). Idempotent: users are looked up
by username and notices by (translation key, locale) before anything is created, and
existing rows are never modified, so a second run changes nothing — notice times included.
"""

import json
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from wagtail.models import Locale

from accounts import roles
from home.models import ServiceNotice
from home.site_setup import ensure_home_pages

DEMO_DIR = Path(__file__).resolve().parent / "demo_content"
NOTICES_FILE = DEMO_DIR / "notices.json"
DEMO_PASSWORD = "demo-password-123"
ADMIN_PASSWORD = "admin-demo-password"
# Notice translation keys are uuid5(namespace, notice key): stable across runs and machines.
NOTICE_NAMESPACE = uuid.UUID("6f1c2a52-5c1e-4d0e-9a57-4b7a1f0c9d21")


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    language: str
    role: str | None = None
    is_staff: bool = False
    is_superuser: bool = False
    password: str = DEMO_PASSWORD


DEMO_USERS = (
    DemoUser("amira", "Amira Haddad", "en", roles.CUSTOMERS),
    DemoUser("bikash", "Bikash Shrestha", "ne", roles.CUSTOMERS),
    DemoUser("carys", "Carys Evans", "cy", roles.CUSTOMERS),
    DemoUser("somsak", "Somsak Phommachanh", "lo", roles.CUSTOMERS),
    DemoUser("elif", "Elif Yılmaz", "tr", roles.CUSTOMERS),
    DemoUser("rasa", "Rasa Kazlauskienė", "lt", roles.CUSTOMERS),
    DemoUser("mod_maya", "Maya (moderator)", "en", roles.MODERATORS),
    DemoUser("staff_sam", "Sam (support team)", "en", roles.SUPPORT_STAFF, is_staff=True),
    DemoUser("admin", "Administrator", "en", None, is_staff=True, is_superuser=True, password=ADMIN_PASSWORD),
)


def notice_translation_key(key: str) -> uuid.UUID:
    return uuid.uuid5(NOTICE_NAMESPACE, f"service-notice:{key}")


def ensure_users(stdout: TextIO) -> dict[str, object]:
    """Create the demo users that don't exist yet; make sure each is in its role's group."""
    User = get_user_model()
    users, created = {}, 0
    for spec in DEMO_USERS:
        user = User.objects.filter(username=spec.username).first()
        if user is None:
            user = User(
                username=spec.username,
                email=f"{spec.username}@example.com",
                display_name=spec.display_name,
                preferred_language=spec.language,
                is_staff=spec.is_staff,
                is_superuser=spec.is_superuser,
            )
            user.set_password(spec.password)
            user.save()
            created += 1
        if spec.role and not user.groups.filter(name=spec.role).exists():
            user.groups.add(Group.objects.get(name=spec.role))
        users[spec.username] = user
    stdout.write(f"home: {len(DEMO_USERS)}/{len(DEMO_USERS)} demo users ({created} new)\n")
    return users


def _read_notices(path: Path) -> list[dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: line {exc.lineno}, column {exc.colno}: {exc.msg}") from exc
    if not isinstance(data, list):
        raise TypeError(f"{path}: expected a list of notices, got {type(data).__name__}")
    for index, notice in enumerate(data):
        missing = {"key", "kind", "title"} - set(notice)
        if missing:
            raise ValueError(f"{path}: notice #{index + 1} lacks {', '.join(sorted(missing))}")
        if notice["kind"] not in ServiceNotice.Kind.values:
            raise ValueError(f"{path}: notice {notice['key']!r} has unknown kind {notice['kind']!r}")
    return data


def _keywords_for(notice: dict, lang: str) -> str:
    keywords = notice.get("keywords") or []
    if isinstance(keywords, dict):  # per-language keyword lists
        keywords = keywords.get(lang) or []
    return ", ".join(str(k).strip() for k in keywords if str(k).strip())


def ensure_notices(stdout: TextIO, path: Path = NOTICES_FILE) -> int:
    """One ServiceNotice per language per notice key, linked as translations. Returns the
    number created. Existing notices are left exactly as they are (times included)."""
    if not path.exists():
        stdout.write(f"home: no notices file ({path.name}), skipped service notices\n")
        return 0
    notices = _read_notices(path)
    locales = {locale.language_code: locale for locale in Locale.objects.all()}
    now = timezone.now().replace(microsecond=0)
    created = total = 0
    for notice in notices:
        translation_key = notice_translation_key(notice["key"])
        starts_at = now + timedelta(hours=notice.get("starts_in_hours") or 0)
        ends_in = notice.get("ends_in_hours")
        ends_at = now + timedelta(hours=ends_in) if ends_in is not None else None
        for lang, _name in settings.LANGUAGES:
            title = (notice["title"] or {}).get(lang)
            if not title:
                stdout.write(f"home: notice {notice['key']!r} has no {lang} title, skipped that language\n")
                continue
            total += 1
            if ServiceNotice.objects.filter(translation_key=translation_key, locale=locales[lang]).exists():
                continue
            ServiceNotice.objects.create(
                translation_key=translation_key,
                locale=locales[lang],
                kind=notice["kind"],
                title=title,
                body=(notice.get("body") or {}).get(lang, ""),
                keywords=_keywords_for(notice, lang),
                is_active=bool(notice.get("active", True)),
                starts_at=starts_at,
                ends_at=ends_at,
            )
            created += 1
    stdout.write(f"home: {total}/{total} service notices in {len(notices)} group(s) ({created} new)\n")
    return created


@transaction.atomic
def load(stdout: TextIO) -> None:
    homes = ensure_home_pages()
    stdout.write(f"home: {len(homes)} home pages ({', '.join(sorted(homes))})\n")
    ensure_users(stdout)
    ensure_notices(stdout)

"""Translation catalogues: they compile (with our polib-based command, no gettext needed),
the navigation is translated in every language, and pages render in every language."""

import json
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils.html import escape

from home.management.commands.i18n_compile import find_catalogues

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
TRANSLATED_LANGS = ("ne", "cy", "lo", "tr", "lt")

# The strings every page shows (header, footer, skip link) plus the home page's own.
NAVIGATION = (
    "Knowledge base",
    "Community",
    "Contact support",
    "Search",
    "Search the help center",
    "Search articles and answers",
    "Log in",
    "Log out",
    "Sign up",
    "Language",
    "Change",
    "Skip to content",
    "Account",
    "Main",
    "Help",
    "Your account",
    "Languages",
    "Profile",
    "Forgot your password?",
    "Popular articles",
    "Recently solved in the community",
    "Ask the community",
    "Page not found",
    "Something went wrong on our side",
)


def catalogue(lang: str) -> polib.POFile:
    return polib.pofile(str(LOCALE_DIR / lang / "LC_MESSAGES" / "django.po"))


@pytest.fixture(scope="module", autouse=True)
def compiled():
    call_command("i18n_compile", verbosity=0)


@pytest.mark.parametrize("lang", TRANSLATED_LANGS)
def test_catalogue_header_and_compiled_file(lang):
    po = catalogue(lang)
    assert po.metadata["Language"] == lang
    assert "INTEGER" not in po.metadata["Plural-Forms"]
    mo = LOCALE_DIR / lang / "LC_MESSAGES" / "django.mo"
    assert mo.exists()
    compiled = polib.mofile(str(mo))
    assert len(compiled) == len(po.translated_entries())


@pytest.mark.parametrize("lang", TRANSLATED_LANGS)
def test_navigation_strings_are_translated(lang):
    entries = {entry.msgid: entry for entry in catalogue(lang)}
    problems = []
    for msgid in NAVIGATION:
        entry = entries.get(msgid)
        if entry is None:
            problems.append(f"{msgid!r} missing")
        elif entry.obsolete or entry.fuzzy or not entry.msgstr.strip():
            problems.append(f"{msgid!r} fuzzy, obsolete or empty")
    assert not problems, f"{lang}: {problems}"


@pytest.mark.parametrize("lang", TRANSLATED_LANGS)
def test_placeholders_survive_translation(lang):
    """A translation that drops or renames %(name)s would crash or mislead at run time."""
    import re

    placeholder = re.compile(r"%\((\w+)\)[sd]|%[sd]")
    for entry in catalogue(lang).translated_entries():
        if entry.msgid_plural:
            continue
        assert sorted(placeholder.findall(entry.msgid)) == sorted(placeholder.findall(entry.msgstr)), entry.msgid


def test_every_catalogue_in_the_repository_compiles():
    catalogues = find_catalogues(Path(settings.BASE_DIR))
    assert {p.parent.parent.name for p in catalogues if p.name == "django.po"} >= set(TRANSLATED_LANGS)
    for po_path in catalogues:
        assert po_path.with_suffix(".mo").exists(), po_path


def test_compile_reports_the_broken_file(tmp_path):
    broken = tmp_path / "locale" / "xx" / "LC_MESSAGES" / "django.po"
    broken.parent.mkdir(parents=True)
    broken.write_text('msgid "Hello"\nmsgstr "Hola"\nstray words\n', encoding="utf-8")
    with pytest.raises(CommandError, match=r"xx/LC_MESSAGES/django\.po.*line 3"):
        call_command("i18n_compile", root=str(tmp_path), verbosity=0)


@pytest.mark.django_db
@pytest.mark.parametrize("lang", TRANSLATED_LANGS)
def test_home_page_shows_translated_navigation(client, site_pages, lang):
    entries = {entry.msgid: entry.msgstr for entry in catalogue(lang)}
    response = client.get(f"/{lang}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{lang}"' in html
    for msgid in ("Knowledge base", "Community", "Contact support", "Skip to content"):
        # {% translate %} output is not HTML-escaped; variables are.
        assert entries[msgid] in html or escape(entries[msgid]) in html, (lang, msgid)
    assert ">Knowledge base<" not in html


@pytest.mark.django_db
def test_lao_pages_use_lao_ui_strings(client, site_pages):
    """Django ships no Lao catalogue: ours alone must make /lo/ work, including Django's
    own form messages."""
    html = client.get("/lo/accounts/login/").content.decode()
    assert "ເຂົ້າສູ່ລະບົບ" in html  # "Log in"
    response = client.post("/lo/accounts/login/", {"username": "", "password": ""})
    assert "ຕ້ອງປ້ອນຂໍ້ມູນຊ່ອງນີ້." in response.content.decode()  # "This field is required."


@pytest.mark.django_db
@pytest.mark.parametrize("lang", TRANSLATED_LANGS)
def test_javascript_catalogue_has_suggest_strings(client, lang):
    po = polib.pofile(str(LOCALE_DIR / lang / "LC_MESSAGES" / "djangojs.po"))
    expected = {entry.msgid: entry.msgstr for entry in po}["No suggestions."]
    response = client.get(f"/{lang}/jsi18n/")
    assert response.status_code == 200
    # The catalogue is JSON inside JavaScript, non-ASCII escaped as \\uXXXX.
    assert json.dumps(expected)[1:-1] in response.content.decode()


MAKEMESSAGES_IGNORE = [".venv", "tests", "bench", "staticfiles", "var", "test-results", "docker"]


@pytest.mark.skipif(not shutil.which("xgettext"), reason="GNU gettext (xgettext) is not installed; .ci/run installs it")
def test_every_ui_string_in_the_code_is_translated_in_every_language(tmp_path, settings, monkeypatch):
    """Extract the strings from the code and templates as they are now (makemessages, on a copy
    of the tree so the real catalogues are untouched) and check each has a reviewed translation:
    a string added without one shows in English on a Lao page."""
    tree = tmp_path / "tree"
    shutil.copytree(
        settings.BASE_DIR, tree,
        ignore=shutil.ignore_patterns(*MAKEMESSAGES_IGNORE, ".git", "*.mo", "__pycache__", "node_modules"),
    )
    settings.LOCALE_PATHS = [tree / "locale"]
    monkeypatch.chdir(tree)
    for domain in ("django", "djangojs"):
        call_command(
            "makemessages", domain=domain, locale=list(TRANSLATED_LANGS),
            ignore_patterns=MAKEMESSAGES_IGNORE, verbosity=0,
        )
    missing = {}
    for lang in TRANSLATED_LANGS:
        for domain in ("django", "djangojs"):
            po = polib.pofile(str(tree / "locale" / lang / "LC_MESSAGES" / f"{domain}.po"))
            todo = [e.msgid for e in po if not e.obsolete and (e.fuzzy or not e.translated())]
            if todo:
                missing[f"{lang}/{domain}"] = todo[:10] + ([f"... {len(todo) - 10} more"] if len(todo) > 10 else [])
    assert not missing, f"untranslated or fuzzy strings (run makemessages and translate them): {missing}"

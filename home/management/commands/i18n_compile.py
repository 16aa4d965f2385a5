"""Compile every gettext catalogue in the repository (.po -> .mo) with polib.

Django's `compilemessages` needs GNU gettext's msgfmt on the machine; this needs nothing but
the pinned polib, so `make run` / `make test` work on a fresh machine. The .mo files are
build output (gitignored). Fuzzy and untranslated entries are left out of the .mo, as
msgfmt does, so they fall back to English.
"""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "var", "staticfiles", "media", "__pycache__"}


def find_catalogues(root: Path) -> list[Path]:
    """Every locale/<lang>/LC_MESSAGES/*.po under `root`, outside virtualenvs and build output."""
    found = []
    for po in root.rglob("LC_MESSAGES/*.po"):
        relative = po.relative_to(root)
        if SKIP_DIRS.intersection(relative.parts):
            continue
        if len(relative.parts) >= 4 and relative.parts[-4] == "locale":
            found.append(po)
    return sorted(found)


def compile_catalogue(po_path: Path) -> tuple[Path, int, int]:
    """Write the .mo next to `po_path`. Returns (mo path, translated, untranslated+fuzzy)."""
    catalogue = polib.pofile(str(po_path), wrapwidth=0)
    mo_path = po_path.with_suffix(".mo")
    catalogue.save_as_mofile(str(mo_path))
    translated = len(catalogue.translated_entries())
    missing = len(catalogue.untranslated_entries()) + len(catalogue.fuzzy_entries())
    return mo_path, translated, missing


class Command(BaseCommand):
    help = "Compile all locale/*/LC_MESSAGES/*.po files in the repository to .mo (no gettext needed)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--root", default=str(settings.BASE_DIR), help="Directory to search (default: the repository)."
        )

    def handle(self, *args, root: str, **options):
        catalogues = find_catalogues(Path(root))
        if not catalogues:
            self.stdout.write(f"i18n_compile: no catalogues found under {root}")
            return
        failures = []
        for po_path in catalogues:
            try:
                mo_path, translated, missing = compile_catalogue(po_path)
            except (OSError, ValueError) as exc:  # polib reports the line of a syntax error
                failures.append(f"{po_path}: {exc}")
                continue
            if options["verbosity"] >= 2:
                note = f", {missing} untranslated or fuzzy" if missing else ""
                self.stdout.write(f"  {mo_path.relative_to(root)}: {translated} messages{note}")
        if failures:
            raise CommandError("Could not compile:\n" + "\n".join(failures))
        self.stdout.write(f"i18n_compile: compiled {len(catalogues)} catalogue(s).")

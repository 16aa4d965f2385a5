"""Import Markdown, HTML or plain-text files as knowledge base articles.

    manage.py kb_import PATH... --locale CODE [--category SLUG] [--publish]

Each file becomes one article in the locale's knowledge base (in the category with that slug,
else at the top of the knowledge base). Articles remember where they came from
("<folder>/<path inside it>"), so importing the same files again updates those articles
(a new revision) instead of creating duplicates. Without --publish new articles are drafts and
changes to live articles wait as drafts for review.

Every file is reported; a file that can't be read or parsed is reported with the reason and
the others still import. The exit status is 1 if any file failed.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from wagtail.models import Locale

from kb.importing import SUFFIXES, ImportFailed, parse_file
from kb.models import ArticlePage, KBCategoryPage, KBIndexPage
from kb.services import CREATED, ArticleContent, create_article, update_article


def collect_files(paths: list[str]) -> tuple[list[tuple[Path, str, str]], list[tuple[str, str]], list[str]]:
    """([(file, source key, name to show)], [(name, failure reason)], [skipped names]) for PATHs.

    The source key is "<folder name>/<path inside the folder>" for files found in a directory
    argument, and "<parent folder name>/<file name>" for file arguments, so `kb_import faq/` and
    `kb_import faq/dns.md` agree on the key of faq/dns.md.
    """
    files, failures, skipped = [], [], []
    seen: set[str] = set()
    for argument in paths:
        path = Path(argument)
        if path.is_dir():
            root = path.resolve()
            for found in sorted(root.rglob("*")):
                relative = found.relative_to(root)
                if any(part.startswith(".") for part in relative.parts):
                    continue
                display = (Path(argument) / relative).as_posix()
                if found.is_dir() and not found.is_symlink():
                    continue
                problem = _not_importable(found, root)
                if problem:
                    failures.append((display, problem))
                    continue
                if found.suffix.lower() not in SUFFIXES:
                    skipped.append(display)
                    continue
                key = f"{root.name}/{relative.as_posix()}"
                if key not in seen:
                    seen.add(key)
                    files.append((found, key, display))
        elif path.is_file():
            resolved = path.resolve()
            key = f"{resolved.parent.name}/{resolved.name}"
            if key not in seen:
                seen.add(key)
                files.append((resolved, key, argument))
        else:
            failures.append((argument, _not_importable(path, None) or "no such file or directory"))
    return files, failures, skipped


def _not_importable(path: Path, root: Path | None) -> str | None:
    """Why `path` (found under `root`, or named on the command line) can't be imported, if so."""
    if path.is_symlink():
        target = path.readlink()
        if not path.exists():
            return f"a symbolic link to {target}, which does not exist"
        if path.is_dir():
            return f"a symbolic link to the folder {target}; linked folders are not followed"
        if root is not None and not path.resolve().is_relative_to(root):
            return f"a symbolic link to {path.resolve()}, outside the folder being imported"
    if not path.exists():
        return None
    if not path.is_file() and not path.is_dir():
        return "not a regular file (a device, pipe or socket); only .md, .html and .txt files are imported"
    return None


class Command(BaseCommand):
    help = "Import Markdown (.md), HTML (.html) or plain-text (.txt) files as knowledge base articles."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="Files or directories to import.")
        parser.add_argument(
            "--locale", required=True, choices=[code for code, _name in settings.LANGUAGES],
            help="Language of the files.",
        )
        parser.add_argument("--category", metavar="SLUG", help="Slug of the category to put new articles in.")
        parser.add_argument("--publish", action="store_true", help="Publish the articles (default: drafts).")

    def handle(self, *args, paths, locale, category=None, publish=False, **options):
        locale_obj = Locale.objects.filter(language_code=locale).first()
        kb_index = KBIndexPage.objects.filter(locale=locale_obj).first() if locale_obj else None
        if kb_index is None:
            raise CommandError(
                f"There is no knowledge base for locale {locale!r}. Run `manage.py kb_setup` first."
            )
        parent = kb_index
        if category:
            parent = KBCategoryPage.objects.descendant_of(kb_index).filter(slug=category).first()
            if parent is None:
                known = ", ".join(
                    KBCategoryPage.objects.descendant_of(kb_index).order_by("slug").values_list("slug", flat=True)
                ) or "none"
                raise CommandError(f"No category {category!r} in the {locale!r} knowledge base. Categories: {known}.")
            parent = parent.specific

        files, failures, skipped = collect_files(paths)
        for name in skipped:
            self.stdout.write(f"  skipped {name}: not a .md, .html or .txt file")
        for name, reason in failures:
            self.stderr.write(self.style.ERROR(f"  FAILED {name}: {reason}"))

        counts = {"created": 0, "updated": 0, "unchanged": 0, "published": 0}
        total = len(files)
        for number, (path, key, display) in enumerate(files, start=1):
            prefix = f"[{number}/{total}] {display}"
            try:
                parsed = parse_file(path)
                content = ArticleContent(title=parsed.title, summary=parsed.summary, body=parsed.body)
                with transaction.atomic():
                    existing = ArticlePage.objects.filter(locale=locale_obj, import_source=key).first()
                    if existing is None:
                        article = create_article(
                            parent, content, slug=path.stem, publish=publish, import_source=key
                        )
                        status = CREATED
                    else:
                        article = existing
                        status = update_article(existing, content, publish=publish)
            except ImportFailed as exc:
                failures.append((display, str(exc)))
                self.stderr.write(self.style.ERROR(f"{prefix}: FAILED: {exc}"))
                continue
            except Exception as exc:  # one bad file must not stop the others: report it and go on
                failures.append((display, f"{exc.__class__.__name__}: {exc}"))
                self.stderr.write(self.style.ERROR(f"{prefix}: FAILED: {exc.__class__.__name__}: {exc}"))
                continue
            counts[status] += 1
            state = "live" if (publish or article.live) else "draft"
            note = f" ({parsed.skipped_images} image(s) not imported)" if parsed.skipped_images else ""
            self.stdout.write(f"{prefix}: {status}, {state}: {parsed.title!r}{note}")

        summary = ", ".join(f"{n} {label}" for label, n in counts.items() if n) or "nothing imported"
        self.stdout.write(f"{total} file(s): {summary}; {len(failures)} failed; {len(skipped)} skipped.")
        if failures:
            lines = "\n".join(f"  {name}: {reason}" for name, reason in failures)
            raise CommandError(f"{len(failures)} file(s) could not be imported:\n{lines}")

"""manage.py kb_import: Markdown, HTML and plain text in; bad files reported by name; re-import
updates instead of duplicating; non-zero exit when a file failed."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kb.models import ArticlePage

MARKDOWN = """# Move your site to us

Copy your files **first**, then the database.

## Export the database

```bash
mysqldump -u user -p shop > shop.sql
```

| Step | Time |
|------|------|
| Files | 10 min |
"""

HTML = """<!doctype html><html><head><title>Browser title</title><style>p{}</style></head>
<body><nav>menu</nav><h1>Renew an SSL certificate</h1>
<p onclick="steal()">Certificates renew <em>automatically</em>. <a href="javascript:alert(1)">x</a></p>
<script>alert("xss")</script>
<h2>Manual renewal</h2><pre><code class="language-shell">certbot renew</code></pre>
<img src="shot.png" alt="screenshot"></body></html>
"""

TEXT = """Reset your control panel password

Open the login page and choose "Forgot password".
We send a link to your email address.

The link works for one hour.
"""


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "faq"
    root.mkdir()
    (root / "move-site.md").write_text(MARKDOWN, encoding="utf-8")
    (root / "ssl.html").write_text(HTML, encoding="utf-8")
    (root / "password.txt").write_text(TEXT, encoding="utf-8")
    (root / "legacy.txt").write_bytes("Caf\xe9 opening hours\n\nWe open at 9.".encode("latin-1"))
    (root / "empty.md").write_bytes(b"")
    (root / "logo.png").write_bytes(b"\x89PNG\r\n")
    return root


def run_import(*args):
    out, err = StringIO(), StringIO()
    try:
        call_command("kb_import", *args, stdout=out, stderr=err)
        error = None
    except CommandError as exc:
        error = str(exc)
    return out.getvalue(), err.getvalue(), error


def test_import_mixed_folder(folder, category):
    out, err, error = run_import(str(folder), "--locale", "en", "--category", category.slug)
    # The bad files are named with their reason; the command fails overall.
    assert error is not None
    assert "legacy.txt" in error and "not valid UTF-8" in error
    assert "empty.md" in error and "empty" in error
    assert "legacy.txt: FAILED" in err and "empty.md: FAILED" in err
    assert "skipped" in out and "logo.png" in out
    # Per-file progress for the good ones.
    assert "move-site.md: created" in out and "ssl.html: created" in out and "password.txt: created" in out
    articles = {a.import_source: a for a in ArticlePage.objects.filter(locale=category.locale)}
    assert set(articles) == {"faq/move-site.md", "faq/ssl.html", "faq/password.txt"}
    for article in articles.values():
        assert article.get_parent().pk == category.pk
        assert not article.live  # drafts unless --publish

    md = articles["faq/move-site.md"].get_latest_revision_as_object()
    assert md.title == "Move your site to us"
    assert [b.block_type for b in md.body] == ["paragraph", "heading", "code", "table"]
    assert md.body[2].value["language"] == "bash" and "mysqldump" in md.body[2].value["code"]
    assert md.body[3].value["data"] == [["Step", "Time"], ["Files", "10 min"]]
    assert md.summary == "Copy your files first, then the database."
    assert "<strong>first</strong>" in md.body[0].value.source

    html = articles["faq/ssl.html"].get_latest_revision_as_object()
    assert html.title == "Renew an SSL certificate"
    text = html.get_body_text()
    assert "menu" not in text and "xss" not in text and "p{}" not in text
    source = html.body[0].value.source
    assert "onclick" not in source and "javascript:" not in source
    assert html.body[2].value == {"language": "shell", "code": "certbot renew"}
    assert "1 image(s) not imported" in out

    txt = articles["faq/password.txt"].get_latest_revision_as_object()
    assert txt.title == "Reset your control panel password"
    assert "Forgot password" in txt.get_body_text()
    assert "<br>" in txt.body[0].value.source


def test_importing_twice_does_not_duplicate(folder, category):
    run_import(str(folder), "--locale", "en", "--category", category.slug)
    count = ArticlePage.objects.count()
    out, _err, _error = run_import(str(folder), "--locale", "en", "--category", category.slug)
    assert ArticlePage.objects.count() == count
    assert out.count(": unchanged") == 3
    # The same file named directly has the same source key.
    run_import(str(folder / "ssl.html"), "--locale", "en", "--category", category.slug)
    assert ArticlePage.objects.count() == count


def test_reimport_updates_and_publish_publishes(folder, category):
    run_import(str(folder), "--locale", "en", "--category", category.slug)
    (folder / "move-site.md").write_text(MARKDOWN.replace("first", "before anything else"), encoding="utf-8")
    out, _err, _error = run_import(str(folder), "--locale", "en", "--category", category.slug, "--publish")
    assert "move-site.md: updated, live" in out
    assert "password.txt: published, live" in out  # unchanged content, but now published
    article = ArticlePage.objects.get(import_source="faq/move-site.md")
    assert article.live and "before anything else" in article.get_body_text()
    assert article.revisions.count() == 2


def test_all_good_files_exit_zero_and_go_live(tmp_path, kb_indexes):
    (tmp_path / "a.md").write_text("# Title A\n\nBody A.", encoding="utf-8")
    _out, _err, error = run_import(str(tmp_path / "a.md"), "--locale", "lo", "--publish")
    assert error is None
    article = ArticlePage.objects.get(title="Title A")
    assert article.locale.language_code == "lo" and article.live
    assert article.get_parent().pk == kb_indexes["lo"].pk  # no --category: top of the KB
    assert article.url.startswith("/lo/kb/")


def test_exit_status_is_non_zero_when_a_file_fails(tmp_path, kb_indexes):
    (tmp_path / "empty.txt").write_bytes(b"   \n")
    err = StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("kb_import", str(tmp_path), "--locale", "en", stderr=err)
    # manage.py turns a CommandError into sys.exit(returncode) (BaseCommand.run_from_argv).
    assert failure.value.returncode == 1
    assert "empty.txt" in err.getvalue() and "empty.txt" in str(failure.value)


def test_unknown_category_and_missing_path_are_reported(tmp_path, kb_indexes):
    with pytest.raises(CommandError, match="No category 'nope'"):
        call_command("kb_import", str(tmp_path), "--locale", "en", "--category", "nope")
    _out, _err, error = run_import(str(tmp_path / "missing.md"), "--locale", "en")
    assert "missing.md: no such file or directory" in error


def test_markdown_without_heading_takes_first_line_as_title(tmp_path, kb_indexes):
    (tmp_path / "note.md").write_text("Backups run nightly\n\nWe keep them for 30 days.", encoding="utf-8")
    run_import(str(tmp_path), "--locale", "en")
    article = ArticlePage.objects.get(import_source=f"{tmp_path.name}/note.md")
    draft = article.get_latest_revision_as_object()
    assert draft.title == "Backups run nightly"
    assert draft.get_body_text() == "We keep them for 30 days."


def test_title_only_file_is_reported(tmp_path, kb_indexes):
    (tmp_path / "title.md").write_text("# Just a title\n", encoding="utf-8")
    _out, _err, error = run_import(str(tmp_path), "--locale", "en")
    assert "title.md" in error and "only a title" in error
    assert not ArticlePage.objects.exists()


def test_deeply_nested_html_is_a_clear_per_file_failure(tmp_path, kb_indexes):
    root = tmp_path / "deep"
    root.mkdir()
    (root / "nested.html").write_text("<h1>Nested</h1>" + "<div>" * 20_000 + "text" + "</div>" * 20_000)
    (root / "fine.md").write_text("# Fine\n\nThis one imports.")
    out, err, error = run_import(str(root), "--locale", "en")
    assert "nested.html" in err and "nested too deeply" in err
    assert "RecursionError" not in err + (error or "")
    assert "fine.md" in out
    assert not ArticlePage.objects.filter(title="Nested").exists()
    assert ArticlePage.objects.filter(title="Fine").exists()


def test_a_device_is_not_a_regular_file(kb_indexes):
    _out, _err, error = run_import("/dev/null", "--locale", "en")
    assert "/dev/null: not a regular file" in error


def test_symlinks_dangling_or_leading_outside_are_reported_not_followed(tmp_path, kb_indexes):
    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "secret.md").write_text("# Secret\n\nNot for the knowledge base.")
    root = tmp_path / "faq"
    root.mkdir()
    (root / "ok.md").write_text("# Inside\n\nImported.")
    (root / "inner-link.md").symlink_to(root / "ok.md")
    (root / "gone.md").symlink_to(root / "missing.md")
    (root / "escape.md").symlink_to(outside / "secret.md")
    (root / "linked-folder").symlink_to(outside, target_is_directory=True)
    _out, _err, error = run_import(str(root), "--locale", "en")
    assert "gone.md: a symbolic link to" in error and "which does not exist" in error
    assert "escape.md: a symbolic link to" in error and "outside the folder being imported" in error
    assert "linked-folder: a symbolic link to the folder" in error
    assert not ArticlePage.objects.filter(title="Secret").exists()
    assert ArticlePage.objects.filter(title="Inside").exists()
    _out, _err, error = run_import(str(tmp_path / "faq" / "gone.md"), "--locale", "en")
    assert "which does not exist" in error

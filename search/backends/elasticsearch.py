"""The Elasticsearch backend (elasticsearch-dsl), for hosts that outgrow one machine.

Switch it on with `SEARCH_BACKEND=elasticsearch` and `ELASTICSEARCH_URL` (see docs/elasticsearch.md).
Nothing here is imported unless that backend is configured.

Indexes and aliases (`<prefix>` = ELASTICSEARCH_INDEX_PREFIX, default "helpcenter"):
- `<prefix>`: the live alias every search and live update goes through.
- `<prefix>-<generation>-<timestamp>`: concrete indexes, one per rebuild generation.
- `<prefix>-building`: alias of the index a rebuild is filling. A rebuild creates the new index,
  fills it (live updates go to both indexes meanwhile), then moves the live alias in one atomic
  `_aliases` call and deletes the old index. A failed or interrupted rebuild never touches the
  live alias; `search_reindex` resumes into the same building index.

Outage: every search has a timeout of at most 2 s. When the cluster is unreachable, slow or
failing, the search is answered by the embedded database backend (`fallback_backend`) with a
`notice`, and a shared circuit breaker (in the database cache, so every process knows) sends
searches straight to the fallback for ELASTICSEARCH_RETRY_SECONDS before trying the cluster again.
The outbox applies every change to the fallback first and keeps the row until Elasticsearch has
it too (search/outbox.py); when the cluster answers again the deferred rows are made due at once
and replayed oldest first.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _
from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError

from search import conf, documents
from search.backends import es_mapping, es_query
from search.backends.base import (
    BaseSearchBackend,
    Health,
    SearchHit,
    SearchQuery,
    SearchResults,
    Translation,
    choose_translation,
)
from search.documents import SearchDocument

logger = logging.getLogger(__name__)

MAX_TIMEOUT = 2.0  # searches and live updates never wait longer than this
BULK_CHUNK = 200
BREAKER_KEY = "search:es:down"  # {"until": epoch seconds, "error": str} in the shared cache
PROBE_KEY = "search:es:probe"  # last time the worker checked whether the cluster is back
OUTAGE_STATUSES = {429, 502, 503, 504}


class ElasticsearchUnavailable(RuntimeError):
    """The cluster did not answer (or answered 429/5xx). Outbox rows failing with this are replayed
    as soon as the cluster is back."""


@dataclass(frozen=True)
class ClusterConfig:
    hosts: tuple[str, ...]
    username: str = ""
    password: str = ""
    api_key: str = ""
    ca_certs: str = ""
    verify_certs: bool = True
    index_prefix: str = "helpcenter"
    timeout: float = MAX_TIMEOUT
    rebuild_timeout: float = 120.0
    retry_seconds: float = 15.0
    shards: int = 1
    replicas: int = 1
    refresh: str = "false"

    @property
    def alias(self) -> str:
        return self.index_prefix

    @property
    def building_alias(self) -> str:
        return f"{self.index_prefix}-building"

    def index_name(self, generation: int, stamp: str) -> str:
        return f"{self.index_prefix}-{generation}-{stamp}"

    def is_own_index(self, name: str) -> bool:
        return re.fullmatch(rf"{re.escape(self.index_prefix)}-\d+-(\d{{14}}|initial)", name) is not None

    @property
    def display_url(self) -> str:
        return ", ".join(re.sub(r"//[^/@]*@", "//", host) for host in self.hosts)  # never show credentials


def _setting(name: str, default: str = "") -> str:
    value = getattr(settings, name, None)
    if value is None or value == "":
        value = os.environ.get(name, default)
    return str(value) if value is not None else default


def _float(name: str, default: float) -> float:
    try:
        return float(_setting(name, str(default)))
    except ValueError:
        return default


def cluster_config() -> ClusterConfig:
    """Read at call time (tests and deployments change settings)."""
    url = _setting("ELASTICSEARCH_URL")
    hosts = tuple(part.strip() for part in url.split(",") if part.strip())
    refresh = _setting("ELASTICSEARCH_REFRESH", "false").lower()
    return ClusterConfig(
        hosts=hosts,
        username=_setting("ELASTICSEARCH_USERNAME"),
        password=_setting("ELASTICSEARCH_PASSWORD"),
        api_key=_setting("ELASTICSEARCH_API_KEY"),
        ca_certs=_setting("ELASTICSEARCH_CA_CERTS"),
        verify_certs=_setting("ELASTICSEARCH_VERIFY_CERTS", "true").lower() not in ("0", "false", "no"),
        index_prefix=(_setting("ELASTICSEARCH_INDEX_PREFIX", "helpcenter") or "helpcenter").lower(),
        timeout=min(max(_float("ELASTICSEARCH_TIMEOUT", MAX_TIMEOUT), 0.1), MAX_TIMEOUT),
        rebuild_timeout=max(_float("ELASTICSEARCH_REBUILD_TIMEOUT", 120.0), 1.0),
        retry_seconds=max(_float("ELASTICSEARCH_RETRY_SECONDS", 15.0), 0.0),
        shards=int(_float("ELASTICSEARCH_SHARDS", 1)),
        replicas=int(_float("ELASTICSEARCH_REPLICAS", 1)),
        refresh=refresh if refresh in ("true", "false", "wait_for") else "false",
    )


_clients: dict[ClusterConfig, Elasticsearch] = {}
_capabilities: dict[tuple[str, ...], es_mapping.Capabilities] = {}
_lock = threading.Lock()


def quiet_transport_logs() -> None:
    """elastic_transport logs every request at INFO and every failed attempt at WARNING; this
    module logs what matters (once per outage, with the fallback it takes). Unless the deployment's
    LOGGING sets these loggers itself, keep only their real warnings and errors."""
    for name, level in (("elastic_transport.transport", logging.WARNING), ("elastic_transport.node_pool", logging.ERROR)):
        transport_logger = logging.getLogger(name)
        if transport_logger.level == logging.NOTSET:
            transport_logger.setLevel(level)


def make_client(config: ClusterConfig) -> Elasticsearch:
    quiet_transport_logs()
    if not config.hosts:
        raise ElasticsearchUnavailable("ELASTICSEARCH_URL is not set")
    kwargs: dict = {
        "request_timeout": config.timeout,
        "max_retries": 0,  # a slow cluster must not multiply the wait: the fallback answers instead
        "retry_on_timeout": False,
    }
    if config.api_key:
        kwargs["api_key"] = config.api_key
    elif config.username:
        kwargs["basic_auth"] = (config.username, config.password)
    if config.ca_certs:
        kwargs["ca_certs"] = config.ca_certs
    if not config.verify_certs:
        kwargs["verify_certs"] = False
    return Elasticsearch(list(config.hosts), **kwargs)


def alias_swap_actions(alias: str, building_alias: str, old: Iterable[str], new: str) -> list[dict]:
    """One atomic `_aliases` request: the live alias leaves the old indexes and lands on the new
    one, which stops being the building index. Readers never see a moment without an index."""
    actions: list[dict] = [{"remove": {"index": name, "alias": alias}} for name in sorted(old)]
    actions.append({"add": {"index": new, "alias": alias}})
    actions.append({"remove": {"index": new, "alias": building_alias}})
    return actions


def raise_item_failures(items: list[dict]) -> None:
    """Raise for the failed items of a bulk response (deleting a missing document is fine):
    ElasticsearchUnavailable when the cluster only pushed back (429/5xx), else RuntimeError."""
    failures: list[tuple[str, int, str]] = []
    for item in items:
        action, result = next(iter(item.items()))
        status = int(result.get("status", 500))
        if status < 300 or (action == "delete" and status == 404):
            continue
        failures.append((str(result.get("_id")), status, str((result.get("error") or {}).get("reason", ""))[:150]))
    if not failures:
        return
    error_class = ElasticsearchUnavailable if all(s in OUTAGE_STATUSES for _, s, _ in failures) else RuntimeError
    described = "; ".join(f"{doc_id}: {status} {reason}" for doc_id, status, reason in failures[:5])
    raise error_class(f"Elasticsearch refused {len(failures)} operations: {described}")


def is_outage(exc: BaseException) -> bool:
    """Connection refused, timeout, or the cluster saying it cannot serve (429/5xx)."""
    if isinstance(exc, ElasticsearchUnavailable):
        return True
    if isinstance(exc, ApiError):
        return exc.meta.status in OUTAGE_STATUSES
    return isinstance(exc, TransportError)


class ElasticsearchSearchBackend(BaseSearchBackend):
    name = "elasticsearch"

    # --- configuration and cluster ----------------------------------------------------------

    @property
    def config(self) -> ClusterConfig:
        return cluster_config()

    def client(self, timeout: float | None = None) -> Elasticsearch:
        config = self.config
        with _lock:
            client = _clients.get(config)
            if client is None:
                client = _clients[config] = make_client(config)
        return client.options(request_timeout=timeout or config.timeout)

    @property
    def fallback_backend(self) -> BaseSearchBackend:
        """The embedded index, kept up to date by the outbox for outages (see search/outbox.py)."""
        from search.backends import get_backend

        return get_backend("database")

    def capabilities(self, refresh: bool = False) -> es_mapping.Capabilities:
        """Cluster version, analysis-icu on every node, Snowball Nepali; found once per process
        (and again before each rebuild) and logged."""
        config = self.config
        caps = None if refresh else _capabilities.get(config.hosts)
        if caps is not None:
            return caps
        try:
            caps = self._detect_capabilities()
        except Exception as exc:
            if is_outage(exc):
                raise ElasticsearchUnavailable(f"Elasticsearch at {config.display_url} is unreachable: {exc}") from exc
            # e.g. a user without monitor rights: assume the least and say so.
            logger.warning("search: could not read the Elasticsearch version and plugins (%s: %s); assuming "
                           "no analysis-icu", type(exc).__name__, exc)
            caps = es_mapping.Capabilities(version="unknown", icu=False, nepali_stemmer=True)
        _capabilities[config.hosts] = caps
        logger.info("search: using Elasticsearch at %s — %s", config.display_url, caps.describe())
        if not caps.icu:
            logger.warning("search: the analysis-icu plugin is not installed on every node; using the "
                           "standard tokenizer and ASCII folding (install it and run search_reindex)")
        return caps

    def _detect_capabilities(self) -> es_mapping.Capabilities:
        client = self.client()
        version = client.info()["version"]["number"]
        icu = self._icu_on_every_node(client)
        nepali = self._analyzes(client, {"tokenizer": "standard",
                                         "filter": [{"type": "snowball", "language": "Nepali"}],
                                         "text": "ग्राहकहरूको"})
        return es_mapping.Capabilities(version=version, icu=icu, nepali_stemmer=nepali)

    def _icu_on_every_node(self, client: Elasticsearch) -> bool:
        try:
            nodes = client.nodes.info(metric="plugins")["nodes"]
        except ApiError:  # no monitor privilege: ask the node we reach instead
            return self._analyzes(client, {"tokenizer": "icu_tokenizer", "filter": ["icu_folding"], "text": "ok"})
        if not nodes:
            return False
        for node in nodes.values():
            names = {p.get("name") for p in node.get("plugins", []) + node.get("modules", [])}
            if "analysis-icu" not in names:
                return False
        return True

    @staticmethod
    def _analyzes(client: Elasticsearch, body: dict) -> bool:
        try:
            client.indices.analyze(**body)
        except ApiError as exc:
            if exc.meta.status >= 500:
                raise
            return False
        return True

    # --- circuit breaker (shared through the database cache) -----------------------------------

    def _breaker(self) -> dict | None:
        try:
            state = cache.get(BREAKER_KEY)
        except Exception:  # the cache is a database table: never let it break searching
            return None
        if state and state.get("until", 0) > time.time():
            return state
        return None

    def _trip(self, exc: BaseException) -> None:
        seconds = self.config.retry_seconds
        if seconds <= 0:
            return
        cause = exc.__cause__ if isinstance(exc, ElasticsearchUnavailable) and exc.__cause__ else exc
        try:
            cache.set(BREAKER_KEY, {"until": time.time() + seconds, "error": f"{type(cause).__name__}: {cause}"[:300]},
                      timeout=int(seconds) + 1)
        except Exception:
            logger.warning("search: could not record the Elasticsearch outage in the cache", exc_info=True)

    def _reset_breaker(self) -> None:
        with contextlib.suppress(Exception):  # at worst the breaker expires on its own
            cache.delete(BREAKER_KEY)

    def _require_available(self) -> None:
        state = self._breaker()
        if state:
            raise ElasticsearchUnavailable(f"cluster marked unavailable ({state.get('error', '')})")

    def _call(self, operation: Callable[[], object]):
        """Run a cluster request; an outage trips the breaker and becomes ElasticsearchUnavailable."""
        try:
            result = operation()
        except Exception as exc:
            if is_outage(exc):
                self._trip(exc)
                raise ElasticsearchUnavailable(f"Elasticsearch at {self.config.display_url}: {exc}") from exc
            raise
        return result

    # --- aliases -----------------------------------------------------------------------------

    def _alias_targets(self, client: Elasticsearch, alias: str) -> list[str]:
        try:
            return sorted(client.indices.get_alias(name=alias).body)
        except NotFoundError:
            return []

    def live_index(self) -> str | None:
        targets = self._alias_targets(self.client(), self.config.alias)
        return targets[0] if targets else None

    def building_index(self) -> str | None:
        targets = self._alias_targets(self.client(), self.config.building_alias)
        return targets[0] if targets else None

    def _live_targets(self) -> list[str]:
        """Where a live update goes: the live index, and the index a rebuild is filling."""
        config = self.config
        client = self.client()
        live = self._alias_targets(client, config.alias)
        if not live:
            live = [self._create_initial_index()]
        return sorted(set(live + self._alias_targets(client, config.building_alias)))

    def _create_initial_index(self) -> str:
        """An empty live index on first use, so updates have somewhere to go before the first
        rebuild. Generation 0 and a fixed name: processes racing here create it once."""
        config = self.config
        name = config.index_name(0, "initial")
        body = es_mapping.index_body(self.capabilities(), config.shards, config.replicas)
        try:
            self.client(config.rebuild_timeout).indices.create(
                index=name, settings=body["settings"], mappings=body["mappings"], aliases={config.alias: {}},
            )
        except ApiError as exc:
            if "resource_already_exists" not in f"{getattr(exc, 'error', '')} {exc}":
                raise
        return name

    # --- writing -----------------------------------------------------------------------------

    def apply(self, doc_ids: Iterable[str]) -> tuple[int, int]:
        """Bring these documents in line with the database in the live index (and in an index
        being rebuilt). Raises ElasticsearchUnavailable during an outage: the outbox keeps the rows."""
        built = documents.build_documents(doc_ids)
        present = [doc for doc in built.values() if doc is not None]
        gone = [doc_id for doc_id, doc in built.items() if doc is None]
        indexed = self.index(present) if present else 0
        deleted = self.delete(gone) if gone else 0
        return indexed, deleted

    def index(self, docs: Iterable[SearchDocument], generation: int | None = None) -> int:
        docs = list({doc.id: doc for doc in docs}.values())
        if not docs:
            return 0
        if generation is not None and self._rebuilding(generation):
            targets = [self._require_building_index()]
            timeout = self.config.rebuild_timeout
        else:
            self._require_available()
            targets = self._call(self._live_targets)
            timeout = self.config.timeout
        sources = [(doc.id, es_mapping.document_source(doc)) for doc in docs]
        operations: list[dict] = []
        for target in targets:
            for doc_id, source in sources:
                operations.append({"index": {"_index": target, "_id": doc_id}})
                operations.append(source)
        self._bulk(operations, timeout, refresh=generation is None)
        return len(docs)

    def delete(self, doc_ids: Iterable[str]) -> int:
        doc_ids = sorted(set(doc_ids))
        if not doc_ids:
            return 0
        self._require_available()
        targets = self._call(self._live_targets)
        operations = [{"delete": {"_index": target, "_id": doc_id}} for target in targets for doc_id in doc_ids]
        self._bulk(operations, self.config.timeout, refresh=True)
        return len(doc_ids)

    def _bulk(self, operations: list[dict], timeout: float, refresh: bool) -> None:
        """Send in chunks; any item that failed (other than deleting a missing document) raises,
        naming the documents, so the outbox retries exactly those."""
        refresh_value = self.config.refresh if refresh else "false"
        step = BULK_CHUNK * 2
        for start in range(0, len(operations), step):
            chunk = operations[start:start + step]
            response = self._call(lambda chunk=chunk: self.client(timeout).bulk(operations=chunk, refresh=refresh_value))
            if response.get("errors"):
                raise_item_failures(response["items"])

    # --- rebuild: new index, then an atomic alias swap ------------------------------------------

    def _rebuilding(self, generation: int) -> bool:
        from search.models import RebuildState

        state = RebuildState.objects.filter(backend=self.name).first()
        return bool(state and state.running and state.generation == generation)

    def _require_building_index(self) -> str:
        name = self._call(self.building_index)
        if not name:
            raise RuntimeError(
                f"the index being rebuilt (alias {self.config.building_alias}) is gone; "
                "run `manage.py search_reindex --restart`"
            )
        return name

    @contextlib.contextmanager
    def rebuilding(self) -> Iterator[None]:
        try:
            yield
        except TransportError as exc:
            raise ElasticsearchUnavailable(
                f"Elasticsearch at {self.config.display_url} failed during the rebuild ({exc}); the live "
                "index is untouched. Run search_reindex again to resume."
            ) from exc

    def check_rebuild_can_continue(self) -> None:
        """A failed rebuild batch is retried document by document (each failure queued in the
        outbox) — unless the cluster is down: then stop, without advancing the checkpoint, so
        `search_reindex` resumes at this batch instead of queueing every remaining document."""
        if self._breaker():
            raise ElasticsearchUnavailable(
                f"Elasticsearch at {self.config.display_url} became unavailable during the rebuild; "
                "the live index is untouched. Run search_reindex again to resume."
            )

    def begin_rebuild(self, generation: int) -> None:
        config = self.config
        caps = self._call(lambda: self.capabilities(refresh=True))  # a newly installed plugin is used now
        client = self.client(config.rebuild_timeout)
        for abandoned in self._call(lambda: self._alias_targets(client, config.building_alias)):
            logger.info("search: deleting %s, left over from an abandoned rebuild", abandoned)
            client.indices.delete(index=abandoned)
        name = config.index_name(generation, timezone.now().strftime("%Y%m%d%H%M%S"))
        # Replicas and refreshes are switched on again when the index goes live.
        body = es_mapping.index_body(caps, config.shards, replicas=0, refresh_interval="-1")
        self._call(lambda: client.indices.create(
            index=name, settings=body["settings"], mappings=body["mappings"], aliases={config.building_alias: {}},
        ))
        logger.info("search: rebuilding into %s (%s)", name, caps.describe())

    def finish_rebuild(self, generation: int) -> None:
        config = self.config
        client = self.client(config.rebuild_timeout)
        new = self._require_building_index()
        self._call(lambda: client.indices.put_settings(
            index=new, settings={"index": {"number_of_replicas": config.replicas, "refresh_interval": None}},
        ))
        self._call(lambda: client.indices.refresh(index=new))
        self._call(lambda: client.cluster.health(
            index=new, wait_for_status="yellow", timeout=f"{int(config.rebuild_timeout)}s",
        ))
        old = self._call(lambda: self._alias_targets(client, config.alias))
        self._call(lambda: client.indices.update_aliases(
            actions=alias_swap_actions(config.alias, config.building_alias, old, new),
        ))
        logger.info("search: %s is live (generation %s)", new, generation)
        # Only after the swap: the old index, and any other leftover of ours.
        every = self._call(lambda: client.indices.get(index=f"{config.index_prefix}-*", expand_wildcards="open,closed"))
        for name in sorted(every):
            if name != new and config.is_own_index(name):
                client.indices.delete(index=name, ignore_unavailable=True)

    def index_problem(self) -> str:
        try:
            meta = self._call(self._live_meta)
        except ElasticsearchUnavailable as exc:
            return str(exc)
        if meta is None:
            return "there is no live Elasticsearch index yet"
        if meta.get("mapping_version") != es_mapping.MAPPING_VERSION:
            return "the Elasticsearch mapping changed since the last rebuild"
        if bool(meta.get("icu")) != self.capabilities().icu:
            return "analysis-icu was installed or removed since the last rebuild"
        return ""

    def _live_meta(self) -> dict | None:
        client = self.client()
        live = self._alias_targets(client, self.config.alias)
        if not live:
            return None
        mapping = client.indices.get_mapping(index=live[0]).body
        return mapping[live[0]]["mappings"].get("_meta", {}).get("helpcenter", {})

    # --- reading -----------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResults:
        return self._run(query, prefix_last=False)

    def suggest(self, query: SearchQuery) -> SearchResults:
        return self._run(query, prefix_last=True)

    def _run(self, query: SearchQuery, prefix_last: bool) -> SearchResults:
        analyzed = query.analyzed(prefix_last=prefix_last)
        words, _joined = es_query.query_words(analyzed)
        if not words or query.limit <= 0:
            return SearchResults(query=query.text, total=0, hits=[])
        if self._breaker():
            return self._from_fallback(query, prefix_last)
        try:
            return self._search(query, analyzed, prefix_last)
        except Exception as exc:  # whatever went wrong, the reader gets an answer
            if is_outage(exc):
                logger.warning("search: Elasticsearch unavailable (%s); answering from the embedded index", exc)
                self._trip(exc)
            elif isinstance(exc, NotFoundError):
                logger.error("search: no live Elasticsearch index (%s); run `manage.py search_reindex`", exc)
            else:
                logger.exception("search: Elasticsearch search failed; answering from the embedded index")
            return self._from_fallback(query, prefix_last)

    def _search(self, query: SearchQuery, analyzed, prefix_last: bool) -> SearchResults:
        """Ranked like the embedded backend: Elasticsearch's BM25F with the same boosts, then the
        shared title-coverage rerank of the best `rerank_window` hits (BaseSearchBackend.rerank);
        suggest (and search with `and_first`) lists documents holding every word first."""
        self.capabilities()  # first use in this process: find and log what the cluster offers
        ranking = conf.ranking()
        now = timezone.now()
        suggestions: dict = {}  # the term suggesters' answer ("Did you mean")
        if es_query.and_first(analyzed, ranking, prefix_last):
            listed: set[str] = set()  # a group listed by the strict pass is not repeated by the loose one
            strict = es_query.build_search(query, analyzed, ranking, now, prefix_last, tier="all")
            rows, strict_total = self._page(strict, analyzed, query.limit, query.offset, listed, suggestions)
            rest = es_query.build_search(query, analyzed, ranking, now, prefix_last, tier="rest")
            more, rest_total = self._page(rest, analyzed, query.limit - len(rows), max(0, query.offset - strict_total),
                                          listed)
            rows, total = rows + more, strict_total + rest_total
            facets = self._facets(es_query.build_search(query, analyzed, ranking, now, prefix_last)) if query.facets else {}
        else:
            request = es_query.build_search(query, analyzed, ranking, now, prefix_last)
            rows, total = self._page(request, analyzed, query.limit, query.offset, suggestions=suggestions)
            facets = self._facets(request) if query.facets else {}
        hits = [self._hit(source, score, analyzed, query.language, translations)
                for source, score, translations in self._in_readers_language(rows, query)]
        return SearchResults(query=query.text, total=total, hits=hits, facets=facets,
                             did_you_mean=es_query.did_you_mean(query.text, query.language, suggestions))

    def _execute(self, request) -> dict:
        return self.client().search(index=self.config.alias, body=request.to_dict())

    def _page(self, request, analyzed, limit: int, offset: int, listed: set[str] | None = None,
              suggestions: dict | None = None) -> tuple[list[tuple[dict, float]], int]:
        """One page of (source without body, score), one per group (an article's translations
        are listed once: its best-ranked version here, the reader's own in `_in_readers_language`),
        and the total of groups. The best `rerank_window` hits are re-scored by title coverage;
        hits beyond it keep Elasticsearch's order. Pages are cut from the same grouped list, so
        paging never repeats or skips a result. `listed`: groups an earlier pass listed;
        `suggestions` receives the request's term suggestions."""
        listed = set() if listed is None else listed
        ranking = conf.ranking()
        window = int(ranking.get("rerank_window", 0)) if ranking.get("title_coverage_boost", 0) else 0
        if limit <= 0:
            response = self._execute(request.extra(size=0))
            if suggestions is not None:
                suggestions.update(suggest=response.get("suggest") or {})
            return [], _groups_total(response)
        without_body = [name for name in es_mapping.SOURCE_FIELDS if name != "body"]
        wanted = offset + limit
        grouped: list[tuple[dict, float]] = []

        def take(rows: list[tuple[str, float]], found: dict[str, dict]) -> None:
            for doc_id, score in rows:
                source = found[doc_id]["_source"]
                group = source.get("group") or doc_id
                if group not in listed:
                    listed.add(group)
                    grouped.append((source, score))

        batch = window or wanted
        response = self._execute(request[0:batch].source(includes=without_body))
        if suggestions is not None:
            suggestions.update(suggest=response.get("suggest") or {})
        total = _groups_total(response)
        hits = response["hits"]["hits"]
        found = {hit["_id"]: hit for hit in hits}
        rows = [(hit["_id"], hit["_score"]) for hit in hits]
        if window:
            titles = {doc_id: (hit["_source"].get("title", ""), hit["_source"].get("language"))
                      for doc_id, hit in found.items()}
            rows = self.rerank(rows, titles, analyzed)
        take(rows, found)
        fetched = len(hits)
        # Beyond the window, more hits until the page is full: translations that ranked lower than
        # their group's first hit take no place on it.
        while len(grouped) < wanted and len(hits) == batch:
            batch = 2 * (wanted - len(grouped)) + 10
            hits = self._execute(request[fetched:fetched + batch].source(includes=without_body))["hits"]["hits"]
            fetched += len(hits)
            take([(hit["_id"], hit["_score"]) for hit in hits], {hit["_id"]: hit for hit in hits})
        return grouped[offset:wanted], total

    def _in_readers_language(self, rows: list[tuple[dict, float]],
                             query: SearchQuery) -> list[tuple[dict, float, list[Translation]]]:
        """Each listed article in the reader's language where that translation is indexed (and
        passes the language filter), with its other languages; bodies fetched for the page only."""
        groups = [source["group"] for source, _score in rows
                  if source.get("kind") == documents.ARTICLE and source.get("group")]
        members: dict[str, list[Translation]] = {}
        if groups:
            filters = [{"terms": {"group": groups}}]
            if query.languages:
                filters.append({"terms": {"language": list(query.languages)}})
            response = self.client().search(index=self.config.alias, body={
                "query": {"bool": {"filter": filters}}, "size": 10 * len(groups),
                "_source": ["doc_id", "group", "language", "url", "title"], "sort": [{"language": "asc"}],
            })
            for hit in response["hits"]["hits"]:
                source = hit["_source"]
                members.setdefault(source["group"], []).append(
                    Translation(source["doc_id"], source["language"], source.get("url", ""), source.get("title", ""),
                                source["doc_id"]))
        chosen = [(choose_translation(source["doc_id"], members.get(source.get("group", ""), []), query.language),
                   source, score) for source, score in rows]
        swapped = [doc_id for doc_id, source, _score in chosen if doc_id != source["doc_id"]]
        sources = self._sources(swapped)
        bodies = self._bodies([doc_id for doc_id, _source, _score in chosen])
        page = []
        for doc_id, source, score in chosen:
            shown = {**sources.get(doc_id, source), "body": bodies.get(doc_id, "")}
            others = [m for m in members.get(source.get("group", ""), []) if m.id != shown["doc_id"]]
            page.append((shown, score, others))
        return page

    def _sources(self, doc_ids: list[str]) -> dict[str, dict]:
        if not doc_ids:
            return {}
        without_body = [name for name in es_mapping.SOURCE_FIELDS if name != "body"]
        response = self.client().mget(index=self.config.alias, ids=doc_ids, source_includes=without_body)
        return {doc["_id"]: doc["_source"] for doc in response["docs"] if doc.get("found")}

    def _bodies(self, doc_ids: list[str]) -> dict[str, str]:
        if not doc_ids:
            return {}
        response = self.client().mget(index=self.config.alias, ids=doc_ids, source_includes=["body"])
        return {doc["_id"]: doc["_source"].get("body", "") for doc in response["docs"] if doc.get("found")}

    def _facets(self, request) -> dict[str, dict[str, int]]:
        response = self._execute(request.extra(size=0))
        aggregations = response.get("aggregations") or {}
        facets = {
            name: {bucket["key"]: bucket["doc_count"] for bucket in aggregations[name]["buckets"]}
            for name in ("kind", "language") if name in aggregations
        }
        if "kind" in aggregations:  # results as listed: an article's translations once
            facets["kind"] = {bucket["key"]: int(bucket.get("groups", {}).get("value", bucket["doc_count"]))
                              for bucket in aggregations["kind"]["buckets"]}
        return facets

    def _hit(self, source: dict, score: float, analyzed, reader_language: str | None,
             translations: list[Translation] | None = None) -> SearchHit:
        updated = source.get("updated_at")
        hit = SearchHit(
            id=source["doc_id"],
            kind=source.get("kind", ""),
            title=source.get("title", ""),
            url=source.get("url", ""),
            language=source.get("language", ""),
            snippet="",
            solved=bool(source.get("solved")),
            score=float(score or 0.0),
            forum_id=source.get("forum_id"),
            updated_at=_parse_datetime(updated) if updated else None,
            votes=int(source.get("votes") or 0),
            promoted_to=source.get("promoted_to", ""),
            group=source.get("group") or source["doc_id"],
            translations=translations or [],
        )
        return self.decorate(hit, source.get("body", ""), analyzed, reader_language)

    def _from_fallback(self, query: SearchQuery, prefix_last: bool) -> SearchResults:
        fallback = self.fallback_backend
        results = fallback.suggest(query) if prefix_last else fallback.search(query)
        results.notice = _(
            "Search is running in reduced mode while the search cluster is unavailable; "
            "results may be less complete than usual."
        )
        return results

    # --- status --------------------------------------------------------------------------------

    def stats(self) -> dict[tuple[str, str], int]:
        body = {
            "size": 0,
            "aggs": {"kind": {"terms": {"field": "kind", "size": 5},
                              "aggs": {"language": {"terms": {"field": "language", "size": 50}}}}},
        }
        try:
            response = self._call(lambda: self.client().search(index=self.config.alias, body=body))
        except NotFoundError:
            return {}
        return {
            (kind["key"], language["key"]): language["doc_count"]
            for kind in response["aggregations"]["kind"]["buckets"]
            for language in kind["language"]["buckets"]
        }

    def document_count(self) -> int:
        try:
            return int(self._call(lambda: self.client().count(index=self.config.alias))["count"])
        except NotFoundError:
            return 0

    def health(self) -> Health:
        config = self.config
        try:
            client = self.client()
            cluster = self._call(lambda: client.cluster.health())
            caps = self.capabilities()
            live = self._call(lambda: self._alias_targets(client, config.alias))
            count = self.document_count() if live else 0
        except Exception as exc:  # reported, with what searches do meanwhile
            fallback = self.fallback_backend.document_count()
            return Health(
                ok=False, backend=self.name,
                detail=(f"Elasticsearch at {config.display_url} unavailable: {type(exc).__name__}: {exc}; "
                        f"searches answer from the embedded index ({fallback} documents)"),
            )
        status = cluster["status"]
        detail = (f"{caps.describe()}; cluster '{cluster['cluster_name']}' {status}, "
                  f"{cluster['number_of_nodes']} nodes; live index {live[0] if live else 'none'}")
        return Health(ok=status in ("green", "yellow") and bool(live), backend=self.name, detail=detail, documents=count)

    def status_lines(self) -> list[str]:
        """Extra lines for `search_status`: the outage state, the indexes and the fallback."""
        from search.models import OutboxEntry

        lines = []
        state = self._breaker()
        if state:
            wait = max(0, int(state["until"] - time.time()))
            lines.append(f"Circuit breaker OPEN: searches use the embedded index for {wait} s more ({state['error']})")
        deferred = OutboxEntry.objects.filter(last_error__startswith=ElasticsearchUnavailable.__name__).count()
        if deferred:
            lines.append(f"{deferred} outbox rows wait for the cluster (applied to the embedded index already)")
        try:
            building = self._call(self.building_index)
        except Exception as exc:
            building = None
            lines.append(f"Indexes: unknown ({type(exc).__name__})")
        if building:
            lines.append(f"Rebuild in progress into {building} (live updates go to both indexes)")
        lines.append(f"Fallback (embedded) index: {self.fallback_backend.document_count()} documents")
        return lines

    # --- outbox hook ---------------------------------------------------------------------------

    def before_outbox_batch(self) -> int:
        """Called by the outbox worker before each batch: when rows are waiting because of an
        outage and the cluster answers again, make them due now (replayed oldest first) instead
        of after their back-off. Checks the cluster at most every ELASTICSEARCH_RETRY_SECONDS."""
        from search.models import OutboxEntry

        now = timezone.now()
        waiting = OutboxEntry.objects.filter(
            last_error__startswith=ElasticsearchUnavailable.__name__, next_attempt_at__gt=now,
        )
        if not waiting.exists():
            return 0
        interval = max(self.config.retry_seconds, 1.0)
        try:
            if not cache.add(PROBE_KEY, True, timeout=int(interval)):
                return 0  # another worker (or this one) checked recently
        except Exception:  # no cache, no probe: the rows keep their back-off
            return 0
        if not self.cluster_alive():
            return 0
        self._reset_breaker()
        made_due = waiting.update(next_attempt_at=now)
        logger.info("search: Elasticsearch is back; replaying %s deferred outbox rows", made_due)
        return made_due


    def cluster_alive(self) -> bool:
        """Does the cluster answer with a usable (green or yellow) status?"""
        try:
            return self.client().cluster.health()["status"] in ("green", "yellow")
        except Exception:  # any failure means "not yet"
            return False


def _total(response) -> int:
    total = response["hits"]["total"]
    return int(total["value"] if isinstance(total, dict) else total)


def _groups_total(response) -> int:
    """Results as listed (translation groups); documents where the count of groups is missing."""
    groups = (response.get("aggregations") or {}).get("groups")
    return int(groups["value"]) if groups else _total(response)


def _parse_datetime(value: str):
    from django.utils.dateparse import parse_datetime

    return parse_datetime(value)

"""Running the search tests against a real Elasticsearch cluster (only when ELASTICSEARCH_URL is set).

Each test gets its own index prefix (so its live alias, building alias and indexes are its own),
immediate refreshes (a test searches right after indexing) and no replicas (a one-node test
cluster stays green); its indexes are deleted afterwards.
"""

from __future__ import annotations

import os
import uuid

CLOSED_PORT_URL = "http://127.0.0.1:9"  # the discard port: nothing listens, connections are refused

SKIP_REASON = "ELASTICSEARCH_URL is not set: no Elasticsearch cluster to test against"


def cluster_url() -> str:
    return os.environ.get("ELASTICSEARCH_URL", "")


def isolate_elasticsearch(request, settings) -> str:
    prefix = f"hc-test-{uuid.uuid4().hex[:12]}"
    settings.ELASTICSEARCH_INDEX_PREFIX = prefix
    settings.ELASTICSEARCH_REFRESH = "true"
    settings.ELASTICSEARCH_REPLICAS = 0
    request.addfinalizer(lambda: delete_indexes(prefix))
    return prefix


def delete_indexes(prefix: str) -> None:
    """Delete `<prefix>-*` by name (clusters refuse wildcard deletes by default)."""
    from search.backends.elasticsearch import cluster_config, make_client

    config = cluster_config()
    if not config.hosts or config.hosts == (CLOSED_PORT_URL,):
        return
    client = make_client(config).options(request_timeout=30)
    names = list(client.indices.get(index=f"{prefix}-*", expand_wildcards="open,closed"))
    if names:
        client.indices.delete(index=",".join(names), ignore_unavailable=True)

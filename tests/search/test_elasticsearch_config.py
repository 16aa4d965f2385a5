"""Configuration, startup and the small pure pieces of the Elasticsearch backend (no cluster needed),
and proof that the default database path never imports the Elasticsearch client."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from elastic_transport import ApiResponseMeta, HttpHeaders, NodeConfig
from elasticsearch import ApiError, ConnectionError, ConnectionTimeout, NotFoundError

from search.backends import get_backend
from search.backends.elasticsearch import (
    MAX_TIMEOUT,
    ElasticsearchSearchBackend,
    ElasticsearchUnavailable,
    alias_swap_actions,
    cluster_config,
    is_outage,
    make_client,
    raise_item_failures,
)
from tests.search.es_support import CLOSED_PORT_URL

ROOT = Path(__file__).resolve().parents[2]


def test_the_database_backend_never_imports_elasticsearch():
    """Startup, URL loading and a backend lookup on the default settings: no elasticsearch module."""
    code = (
        "import sys, django; django.setup();"
        "import helpcenter.urls, search.views, search.outbox;"
        "from search.backends import get_backend; backend = get_backend();"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in ('elasticsearch', 'elasticsearch_dsl', "
        "'elastic_transport') or m.startswith('search.backends.e'));"
        "print(backend.name, loaded)"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "helpcenter.settings.test", "SEARCH_BACKEND": "database",
           "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'site'}"}
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "database []"


def test_settings_switch_the_site_to_elasticsearch(settings):
    settings.SEARCH_BACKEND = "elasticsearch"
    backend = get_backend()
    assert isinstance(backend, ElasticsearchSearchBackend)
    assert backend.fallback_backend.name == "database"


def test_cluster_config_from_settings(settings):
    settings.ELASTICSEARCH_URL = "https://es1.example:9200, https://es2.example:9200"
    settings.ELASTICSEARCH_USERNAME = "helpcenter"
    settings.ELASTICSEARCH_PASSWORD = "s3cret"
    settings.ELASTICSEARCH_CA_CERTS = "/etc/ssl/es-ca.pem"
    settings.ELASTICSEARCH_INDEX_PREFIX = "Help-Prod"
    settings.ELASTICSEARCH_TIMEOUT = 1.5
    config = cluster_config()
    assert config.hosts == ("https://es1.example:9200", "https://es2.example:9200")
    assert (config.username, config.password, config.ca_certs) == ("helpcenter", "s3cret", "/etc/ssl/es-ca.pem")
    assert config.index_prefix == "help-prod"  # index names must be lowercase
    assert config.alias == "help-prod" and config.building_alias == "help-prod-building"
    assert config.timeout == 1.5


def test_timeouts_never_exceed_two_seconds(settings):
    settings.ELASTICSEARCH_TIMEOUT = 30
    assert cluster_config().timeout == MAX_TIMEOUT == 2.0
    settings.ELASTICSEARCH_TIMEOUT = "not a number"
    assert cluster_config().timeout == 2.0


def test_settings_fall_back_to_the_environment(settings, monkeypatch):
    settings.ELASTICSEARCH_URL = ""
    monkeypatch.setenv("ELASTICSEARCH_URL", "http://search.internal:9200")
    monkeypatch.setenv("ELASTICSEARCH_INDEX_PREFIX", "hc")
    config = cluster_config()
    assert config.hosts == ("http://search.internal:9200",) and config.alias == "hc"


def test_credentials_never_show_in_messages(settings):
    settings.ELASTICSEARCH_URL = "https://elastic:pa55@es.example:9200"
    assert cluster_config().display_url == "https://es.example:9200"


def test_client_uses_the_configured_auth_and_fails_fast(settings):
    settings.ELASTICSEARCH_URL = "https://es.example:9200"
    settings.ELASTICSEARCH_API_KEY = "a2V5"
    client = ElasticsearchSearchBackend().client()  # per-request options as every call uses them
    assert client._max_retries == 0  # a slow cluster must not multiply the wait
    assert client._retry_on_timeout is False
    assert client._request_timeout == 2.0
    assert client._headers["authorization"] == "ApiKey a2V5"
    settings.ELASTICSEARCH_URL = ""
    with pytest.raises(ElasticsearchUnavailable, match="ELASTICSEARCH_URL is not set"):
        make_client(cluster_config())


def test_capabilities_on_an_unreachable_cluster_raise_a_clear_error(settings):
    settings.ELASTICSEARCH_URL = CLOSED_PORT_URL
    with pytest.raises(ElasticsearchUnavailable, match=r"127\.0\.0\.1:9 is unreachable"):
        ElasticsearchSearchBackend().capabilities(refresh=True)


def test_our_index_names_and_nothing_else(settings):
    settings.ELASTICSEARCH_INDEX_PREFIX = "helpcenter"
    config = cluster_config()
    assert config.index_name(4, "20260101120000") == "helpcenter-4-20260101120000"
    assert config.is_own_index("helpcenter-4-20260101120000")
    assert config.is_own_index("helpcenter-0-initial")
    for other in ("helpcenter-2024-logs", "helpcenter-building", "helpcenter", "helpcenterx-1-20260101120000",
                  "helpcenter-staging-4-20260101120000"):
        assert not config.is_own_index(other), other


def test_alias_swap_is_one_atomic_request():
    actions = alias_swap_actions("hc", "hc-building", ["hc-2-20260101000000"], "hc-3-20260102000000")
    assert actions == [
        {"remove": {"index": "hc-2-20260101000000", "alias": "hc"}},
        {"add": {"index": "hc-3-20260102000000", "alias": "hc"}},
        {"remove": {"index": "hc-3-20260102000000", "alias": "hc-building"}},
    ]
    first = alias_swap_actions("hc", "hc-building", [], "hc-1-20260101000000")
    assert first[0] == {"add": {"index": "hc-1-20260101000000", "alias": "hc"}}


def _api_error(status: int, cls=ApiError):
    meta = ApiResponseMeta(status=status, http_version="1.1", headers=HttpHeaders(), duration=0.0,
                           node=NodeConfig("http", "localhost", 9200))
    return cls("error", meta, {"error": {"type": "x"}})


def test_what_counts_as_an_outage():
    assert is_outage(ConnectionError("refused"))
    assert is_outage(ConnectionTimeout("slow"))
    assert is_outage(ElasticsearchUnavailable("down"))
    for status in (429, 502, 503, 504):
        assert is_outage(_api_error(status))
    assert not is_outage(_api_error(400))
    assert not is_outage(_api_error(404, NotFoundError))
    assert not is_outage(ValueError("bug"))


def test_bulk_item_failures_name_the_documents():
    raise_item_failures([{"index": {"_id": "kb:1", "status": 201}}, {"delete": {"_id": "kb:2", "status": 404}}])
    with pytest.raises(RuntimeError, match=r"1 operations: topic:3: 400 mapper_parsing") as failure:
        raise_item_failures([{"index": {"_id": "kb:1", "status": 200}},
                             {"index": {"_id": "topic:3", "status": 400, "error": {"reason": "mapper_parsing"}}}])
    assert not isinstance(failure.value, ElasticsearchUnavailable)
    with pytest.raises(ElasticsearchUnavailable, match="topic:4: 429"):
        raise_item_failures([{"index": {"_id": "topic:4", "status": 429, "error": {"reason": "rejected"}}}])

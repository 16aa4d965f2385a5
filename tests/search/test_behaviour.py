"""One behaviour suite for every search backend (DESIGN.md): each test runs once per backend in
tests/search/conftest.py::BACKENDS; Elasticsearch is skipped, with the reason, unless
ELASTICSEARCH_URL is set.

Content is created through the apps' own services (KB: kb.services, forum: forum.services) so the
real signal receivers write the outbox; `sync()` then applies it as `search_worker` does. Searches go
through the JSON API with Django's test client, as the site's clients do.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from search import outbox, rebuild
from search.models import OutboxEntry
from tests.factories import UserFactory
from tests.kb.factories import make_article, make_category
from tests.search.factories import (
    allow_user,
    api_search,
    api_suggest,
    ids,
    make_forum,
    make_private,
    make_topic,
)

pytestmark = pytest.mark.django_db


def kb(page) -> str:
    return f"kb:{page.pk}"


def tp(topic) -> str:
    return f"topic:{topic.pk}"


FILLER = [
    ("Renew your hosting plan", "Plans renew every year. Pay the invoice from the billing page."),
    ("Change the PHP version", "Pick another PHP version in the control panel under Software."),
    ("Create a MySQL database", "Databases are created in the control panel under Databases."),
    ("Upload files with SFTP", "Use an SFTP client such as FileZilla with your hosting login."),
    ("Read your access logs", "Access logs show each visit to your site, one line per request."),
    ("Point a subdomain to a folder", "Subdomains live in their own folder of your account."),
    ("Cancel your account", "Cancelling stops renewals; your files stay for thirty days."),
    ("Set a cron job", "Cron jobs run commands on a schedule you choose in the panel."),
]


@pytest.fixture
def filler(kb_indexes):
    """Unrelated English articles: with a handful of documents every word is "common" and BM25's
    inverse document frequency says nothing, unlike on a real site."""
    return [make_article(kb_indexes["en"], title, body=_body(text), summary=text[:60], tags=())
            for title, text in FILLER]


def _body(*paragraphs: str) -> list:
    return [{"type": "paragraph", "value": f"<p>{p}</p>"} for p in paragraphs]


# --- analysis, end to end --------------------------------------------------------------------

@pytest.fixture
def multilingual(kb_indexes, public_forum, filler, sync):
    docs = {
        "tr": make_article(
            kb_indexes["tr"], "Canlı sohbet ve bilgi bankası",
            body=_body("Sunucuya bağlanamıyorsanız canlı sohbetten bize yazın. BİLGİ BANKASI makaleleri her gün güncellenir."),
            summary="Canlı sohbet saatleri.", tags=()),
        "lt": make_article(
            kb_indexes["lt"], "Žinių bazė klientams",
            body=_body("Kiekvienas klientas gali rasti atsakymus mūsų žinių bazėje."),
            summary="Kaip naudotis žinių baze.", tags=()),
        "lo": make_article(
            kb_indexes["lo"], "ວິທີປ່ຽນລະຫັດຜ່ານອີເມວ",
            body=_body("ເຂົ້າສູ່ລະບົບແລ້ວເລືອກປ່ຽນລະຫັດຜ່ານອີເມວຂອງທ່ານ"),
            summary="ປ່ຽນລະຫັດຜ່ານ", tags=()),
        "cy": make_article(
            kb_indexes["cy"], "Ailosod cyfrinair e-bost",
            body=_body("Agorwch y panel rheoli a dewiswch ailosod cyfrinair."),
            summary="Cyfrinair newydd i'ch blwch post.", tags=()),
        "en": make_article(
            kb_indexes["en"], "Set up DNS records for your domain",
            body=_body("Add A and MX records in the DNS zone editor."),
            summary="DNS records explained.", tags=("dns",)),
        "ne": make_topic(public_forum, "ग्राहकहरूको इमेल सेटिङ", "ग्राहकहरूको इमेल कसरी सेटअप गर्ने?",
                         language="ne", replies=["इमेल सेटिङ नियन्त्रण प्यानलमा छ।"], accept=0),
    }
    sync()
    return docs


WORD_CASES = [
    ("BİLGİ", "tr", "tr"), ("BİLGİ", "en", "tr"), ("CANLI", "tr", "tr"), ("CANLI", "en", "tr"),
    ("canli sohbet", "tr", "tr"), ("sunucu", "tr", "tr"),
    ("ziniu baze", "lt", "lt"), ("ziniu baze", "en", "lt"), ("klientų", "lt", "lt"), ("klientas", "lt", "lt"),
    ("ग्राहक", "ne", "ne"), ("ग्राहकहरूको", "ne", "ne"),
    ("ລະຫັດ", "lo", "lo"), ("ປ່ຽນ", "en", "lo"),
    ("cyfrinair", "cy", "cy"), ("ebost", "cy", "cy"),
    ("dns record", "en", "en"), ("ＤＮＳ", "en", "en"),
]


def test_words_are_found_across_case_diacritics_inflection_and_segmentation(client, backend, multilingual):
    # One test over all cases (the corpus takes seconds to build); failures are listed together.
    wrong = []
    for query, lang, expected in WORD_CASES:
        doc = multilingual[expected]
        doc_id = tp(doc) if expected == "ne" else kb(doc)
        found = ids(api_search(client, query, lang=lang))
        if found[:1] != [doc_id]:
            wrong.append(f"{query!r} (lang={lang}): expected {doc_id} first, got {found[:3]}")
    assert not wrong, "\n".join(wrong)


def test_a_word_the_stemmer_removes_entirely_is_still_a_valid_query(client, backend, multilingual):
    # Nepali's stemmer reduces the postposition द्वारा ("by") to nothing; an empty stem once became
    # a term that broke highlighting of every Latin-script result (a 500).
    for lang in ("ne", "en"):
        response = client.get(reverse("search_api:search"), {"q": "dns द्वारा", "lang": lang})
        assert response.status_code == 200
        assert ids(response.json())[0] == kb(multilingual["en"])


def test_unrelated_words_find_nothing(client, backend, multilingual):
    assert api_search(client, "kubernetes", lang="en")["total"] == 0
    assert api_search(client, "ໂດເມນ", lang="lo")["total"] == 0


def test_suggest_treats_the_last_word_as_a_prefix(client, backend, multilingual):
    assert ids(api_suggest(client, "dns reco", lang="en"))[0] == kb(multilingual["en"])
    assert ids(api_suggest(client, "canli soh", lang="tr"))[0] == kb(multilingual["tr"])
    assert ids(api_suggest(client, "žinių ba", lang="lt"))[0] == kb(multilingual["lt"])


# --- ranking ------------------------------------------------------------------------------------

def test_title_match_ranks_above_body_match(client, backend, kb_indexes, filler, sync):
    in_body = make_article(kb_indexes["en"], "Mail client settings", body=_body("Use port 993 for IMAP."), tags=())
    in_title = make_article(kb_indexes["en"], "IMAP port numbers", body=_body("Ports for mail clients."), tags=())
    sync()
    assert ids(api_search(client, "imap"))[:2] == [kb(in_title), kb(in_body)]


def test_rare_words_weigh_more_than_common_ones(client, backend, kb_indexes, filler, sync):
    common = make_article(kb_indexes["en"], "Hosting control panel tour", body=_body("The panel of your hosting."), tags=())
    rare = make_article(kb_indexes["en"], "Webmail quota", body=_body("Quota of a mailbox."), tags=())
    sync()
    # "panel" is in several filler articles, "quota" only in one.
    assert ids(api_search(client, "panel quota"))[0] == kb(rare)
    assert kb(common) in ids(api_search(client, "panel quota"))


def test_exact_word_ranks_above_a_word_sharing_only_its_stem(client, backend, kb_indexes, filler, sync):
    stem_only = make_article(kb_indexes["en"], "Password rules", body=_body("One password per user."), tags=())
    exact = make_article(kb_indexes["en"], "Passwords rules", body=_body("Passwords per user."), tags=())
    sync()
    assert ids(api_search(client, "passwords"))[:2] == [kb(exact), kb(stem_only)]


def test_article_ranks_above_an_equal_topic(client, backend, kb_indexes, public_forum, filler, sync):
    topic = make_topic(public_forum, "Backup retention period", "How long are backups kept?")
    article = make_article(kb_indexes["en"], "Backup retention period", body=_body("How long are backups kept?"),
                           summary="How long are backups kept?", tags=())
    sync()
    assert ids(api_search(client, "backup retention"))[:2] == [kb(article), tp(topic)]


def test_solved_topic_ranks_above_an_unsolved_one(client, backend, public_forum, filler, sync):
    unsolved = make_topic(public_forum, "Emails bounce with error 550", "My emails bounce.", replies=["Check SPF."])
    solved = make_topic(public_forum, "Emails bounce with error 550", "My emails bounce.", replies=["Check SPF."],
                        accept=0)
    sync()
    payload = api_search(client, "bounce 550")
    assert ids(payload)[:2] == [tp(solved), tp(unsolved)]
    assert [r["solved"] for r in payload["results"][:2]] == [True, False]


def test_helpful_votes_raise_a_topic(client, backend, public_forum, filler, sync):
    plain = make_topic(public_forum, "Slow WordPress admin", "The admin is slow.", replies=["Disable plugins."])
    voted = make_topic(public_forum, "Slow WordPress admin", "The admin is slow.", replies=["Disable plugins."],
                       votes={0: 3})
    sync()
    assert ids(api_search(client, "slow wordpress"))[:2] == [tp(voted), tp(plain)]


def test_helpfulness_raises_an_article(client, backend, kb_indexes, filler, sync):
    from kb.models import ArticlePage
    from kb.signals import article_feedback_changed

    liked = make_article(kb_indexes["en"], "Clear the cache", body=_body("Clear the site cache."), tags=())
    disliked = make_article(kb_indexes["en"], "Clear the cache", body=_body("Clear the site cache."), tags=())
    sync()
    for page, yes, no in ((liked, 9, 1), (disliked, 1, 9)):
        ArticlePage.objects.filter(pk=page.pk).update(helpful_yes=yes, helpful_no=no)  # as kb's feedback does
        article_feedback_changed.send(sender=ArticlePage, article=page)
    sync()
    assert ids(api_search(client, "clear cache"))[:2] == [kb(liked), kb(disliked)]


def test_the_readers_language_comes_first(client, backend, kb_indexes, filler, sync):
    english = make_article(kb_indexes["en"], "Nameserver NS1 details", body=_body("NS1 and NS2."), tags=())
    welsh = make_article(kb_indexes["cy"], "Manylion gweinydd enwau NS1", body=_body("NS1 a NS2."), tags=())
    sync()
    assert ids(api_search(client, "ns1", lang="cy"))[0] == kb(welsh)
    assert ids(api_search(client, "ns1", lang="en"))[0] == kb(english)


def test_fresher_documents_rank_higher(client, backend, public_forum, filler, sync):
    with time_machine.travel(timezone.now() - timedelta(days=900)):
        old = make_topic(public_forum, "Migrate a Joomla site", "Moving Joomla to you.")
    new = make_topic(public_forum, "Migrate a Joomla site", "Moving Joomla to you.")
    sync()
    assert ids(api_search(client, "joomla migrate"))[:2] == [tp(new), tp(old)]


def test_a_promoted_thread_yields_to_its_article(client, backend, kb_indexes, public_forum, filler, sync):
    from kb.models import ArticlePage

    if "source_topic" not in {f.name for f in ArticlePage._meta.get_fields()}:
        pytest.skip("ArticlePage has no source_topic field yet: topics cannot be promoted")
    topic = make_topic(public_forum, "Enable HTTP/2 for my site", "How do I enable HTTP/2?",
                       replies=["It is on by default."], accept=0, votes={0: 5})
    article = make_article(kb_indexes["en"], "HTTP/2 support", body=_body("HTTP/2 is on by default."), tags=())
    sync()
    assert ids(api_search(client, "enable http/2"))[:2] == [tp(topic), kb(article)]  # the thread fits better
    article = ArticlePage.objects.get(pk=article.pk)
    article.source_topic = topic  # promoted (kb/promotion.py): saving the article reindexes the thread
    article.save()
    sync()
    assert ids(api_search(client, "enable http/2"))[:2] == [kb(article), tp(topic)]


# --- typos -------------------------------------------------------------------------------------

@pytest.fixture
def typo_corpus(kb_indexes, public_forum, filler, sync):
    docs = {
        "migration": make_article(kb_indexes["en"], "Move a WordPress site from another host",
                                  body=_body("WordPress migration: copy the files, then import the database."),
                                  tags=()),
        "password": make_article(kb_indexes["en"], "Reset a forgotten password",
                                 body=_body("Choose a new password from the login page."), tags=()),
        "tr": make_article(kb_indexes["tr"], "Sunucuya bağlanamıyorum",
                           body=_body("Güvenlik duvarı bağlantıyı engelliyor olabilir."), tags=()),
        "lo": make_article(kb_indexes["lo"], "ວິທີປ່ຽນລະຫັດຜ່ານອີເມວ",
                           body=_body("ເຂົ້າສູ່ລະບົບແລ້ວເລືອກປ່ຽນລະຫັດຜ່ານອີເມວຂອງທ່ານ"), tags=()),
    }
    sync()
    return docs


TYPO_CASES = [
    ("wordpres migrasion", "migration", "wordpress migration"),  # a letter missing; one substituted
    ("pasword reset", "password", "password reset"),
    ("passwrod", "password", "password"),  # two letters swapped
    ("passsword", "password", "password"),  # one letter too many
    ("guvenlk duvari", "tr", "guvenlik duvari"),  # typed without Turkish letters, one missing
]


def test_a_word_with_one_typo_still_finds_its_document(client, backend, typo_corpus):
    wrong = []
    for query, expected, did_you_mean in TYPO_CASES:
        payload = api_search(client, query, lang="tr" if expected == "tr" else "en")
        if ids(payload)[:1] != [kb(typo_corpus[expected])] or payload.get("did_you_mean") != did_you_mean:
            wrong.append(f"{query!r}: {ids(payload)[:3]}, did you mean {payload.get('did_you_mean')!r}")
    assert not wrong, "\n".join(wrong)
    assert ids(api_suggest(client, "pasword res", lang="en"))[0] == kb(typo_corpus["password"])


def test_words_in_the_index_are_never_corrected(client, backend, typo_corpus):
    for query in ("wordpress migration", "password", "host", "bağlanamıyorum"):
        payload = api_search(client, query, lang="en")
        assert "did_you_mean" not in payload, query
    assert api_search(client, "kubernetes", lang="en")["total"] == 0  # nothing near it: still nothing


def test_lao_words_are_left_alone(client, backend, typo_corpus):
    payload = api_search(client, "ລະຫັດຜ່ານ", lang="lo")
    assert ids(payload)[:1] == [kb(typo_corpus["lo"])] and "did_you_mean" not in payload
    assert "did_you_mean" not in api_search(client, "ລະຫັດຜ່ານອີເມວວ", lang="lo")


def test_the_search_page_offers_did_you_mean(client, backend, typo_corpus):
    html = client.get("/en/search/", {"q": "wordpres migrasion"}).content.decode()
    assert 'Did you mean: <a href="?q=wordpress+migration">wordpress migration</a>' in html
    assert "Did you mean" not in client.get("/en/search/", {"q": "wordpress migration"}).content.decode()


# --- translation groups -------------------------------------------------------------------------

SSL_TITLES = {
    "cy": "Gosod tystysgrif SSL ar eich gwefan",
    "lo": "ຕິດຕັ້ງໃບຢັ້ງຢືນ SSL ໃຫ້ເວັບໄຊຂອງທ່ານ",
    "tr": "Sitenize SSL sertifikası kurun",
    "lt": "Įdiekite SSL sertifikatą savo svetainei",
}


@pytest.fixture
def ssl_group(kb_indexes, filler, sync):
    """One English article about SSL with four translations (no Nepali one), and an unrelated
    English article that also mentions SSL."""
    from tests.kb.factories import translate

    english = make_article(kb_indexes["en"], "Install an SSL certificate on your site",
                           body=_body("Order the certificate, then install SSL from the control panel."),
                           summary="Free SSL certificates for every site.", tags=("ssl",))
    versions = {"en": english}
    for code, title in SSL_TITLES.items():
        versions[code] = translate(english, code, title, summary=title)
    other = make_article(kb_indexes["en"], "Force HTTPS with a redirect",
                         body=_body("After SSL is installed, redirect every visitor to HTTPS."), tags=())
    sync()
    return versions, other


def test_an_article_and_its_translations_are_listed_once(client, backend, ssl_group):
    versions, other = ssl_group
    group = {kb(page) for page in versions.values()}
    for call in (api_search, api_suggest):
        payload = call(client, "SSL certificate", lang="en")
        listed = [doc_id for doc_id in ids(payload) if doc_id in group]
        assert listed == [kb(versions["en"])], (call.__name__, ids(payload))
        first = payload["results"][0]
        assert {t["language"] for t in first["translations"]} == {"cy", "lo", "tr", "lt"}
        assert {t["id"] for t in first["translations"]} == group - {kb(versions["en"])}
    payload = api_search(client, "SSL", lang="en")
    assert set(ids(payload)) == {kb(versions["en"]), kb(other)}
    assert payload["total"] == 2  # results as listed, not documents


@pytest.mark.parametrize("language", ["lo", "tr", "cy", "lt"])
def test_a_reader_sees_the_article_in_their_own_language_first(client, backend, ssl_group, language):
    versions, _other = ssl_group
    for call in (api_search, api_suggest):
        payload = call(client, "SSL", lang=language)
        assert ids(payload)[0] == kb(versions[language]), (call.__name__, ids(payload))
        assert payload["results"][0]["language"] == language
        assert "en" in {t["language"] for t in payload["results"][0]["translations"]}


def test_without_a_translation_the_best_matching_version_is_listed_with_the_others(client, backend, ssl_group):
    versions, _other = ssl_group
    payload = api_search(client, "SSL sertifikası", lang="ne")  # no Nepali version: the Turkish one fits
    group = {kb(page) for page in versions.values()}
    listed = [r for r in payload["results"] if r["id"] in group]
    assert [r["id"] for r in listed] == [kb(versions["tr"])]
    assert {t["language"] for t in listed[0]["translations"]} == {"en", "cy", "lo", "lt"}


def test_the_search_page_lists_the_readers_version_with_links_to_the_others(client, backend, ssl_group):
    versions, _other = ssl_group
    html = client.get("/lo/search/", {"q": "SSL"}).content.decode()
    listed = re.findall(r'class="search-result-title"><a href="([^"]+)"', html)
    assert listed[0] == versions["lo"].url
    assert not {versions[code].url for code in ("en", "cy", "tr", "lt")} & set(listed)
    for code in ("en", "cy", "tr", "lt"):  # the other languages, as small links under the result
        assert f'<a href="{versions[code].url}" lang="{code}" hreflang="{code}">' in html


def test_paging_lists_every_translated_article_once(client, backend, kb_indexes, sync):
    from tests.kb.factories import translate

    articles = []
    for n in range(7):
        article = make_article(kb_indexes["en"], f"Backup schedule number {n}",
                               body=_body(f"Backups of plan {n} run nightly."), tags=())
        translate(article, "cy", f"Amserlen backup rhif {n}")
        articles.append(article)
    sync()
    seen, total = [], None
    for offset in range(0, 10, 3):
        payload = api_search(client, "backup", lang="en", limit=3, offset=offset)
        total = payload["total"]
        seen += ids(payload)
    assert total == 7
    assert sorted(seen) == sorted(kb(a) for a in articles)  # English versions, none twice, none missed
    welsh = api_search(client, "backup", lang="cy", limit=50)
    assert welsh["total"] == 7 and all(r["language"] == "cy" for r in welsh["results"])


def test_a_promoted_thread_folds_under_its_article_in_the_readers_language(
    client, backend, ssl_group, public_forum, sync
):
    from kb.models import ArticlePage

    if "source_topic" not in {f.name for f in ArticlePage._meta.get_fields()}:
        pytest.skip("ArticlePage has no source_topic field yet: topics cannot be promoted")
    versions, _other = ssl_group
    topic = make_topic(public_forum, "SSL certificate install steps", "How do I install an SSL certificate?",
                       replies=["Use the SSL page of the panel."], accept=0)
    article = ArticlePage.objects.get(pk=versions["en"].pk)
    article.source_topic = topic
    article.save()
    sync()
    payload = api_search(client, "SSL certificate", lang="lt")
    assert ids(payload)[:2] == [kb(versions["lt"]), tp(topic)]
    assert payload["results"][1]["folded_under"] == kb(versions["lt"])


# --- permissions --------------------------------------------------------------------------------

@pytest.fixture
def private_forum(forum_setup):
    category = make_forum("Staff only")
    forum = make_forum("Internal incidents", parent=category)
    make_private(forum)
    return forum


def test_a_private_forum_topic_is_hidden_from_those_who_cannot_read_it(
    client, backend, public_forum, private_forum, customer, sync
):
    secret = make_topic(private_forum, "Datacenter incident postmortem", "Internal notes on the outage.")
    public = make_topic(public_forum, "Is there an outage?", "Sites are down, incident?")
    sync()
    assert ids(api_search(client, "incident")) == [tp(public)]  # anonymous
    assert "Datacenter" not in client.get("/en/search/", {"q": "incident postmortem"}).content.decode()
    client.force_login(customer)
    assert ids(api_search(client, "incident")) == [tp(public)]
    assert api_suggest(client, "postmor")["total"] == 0
    allow_user(private_forum, customer)
    assert set(ids(api_search(client, "incident"))) == {tp(secret), tp(public)}
    client.force_login(UserFactory(is_superuser=True))
    assert tp(secret) in ids(api_search(client, "postmortem"))


def test_making_a_forum_private_hides_its_topics_on_the_next_search(client, backend, public_forum, sync):
    topic = make_topic(public_forum, "Reseller pricing", "What does reselling cost?")
    sync()
    assert ids(api_search(client, "reseller")) == [tp(topic)]
    make_private(public_forum)  # no reindexing: permissions are checked at query time
    assert api_search(client, "reseller")["total"] == 0
    assert not OutboxEntry.objects.exists()


def test_only_live_public_articles_are_found(client, backend, kb_indexes, sync):
    from wagtail.models import PageViewRestriction

    draft = make_article(kb_indexes["en"], "Unreleased feature notes", publish=False, tags=())
    hidden = make_article(kb_indexes["en"], "Unreleased pricing notes", tags=())
    sync()
    assert ids(api_search(client, "unreleased")) == [kb(hidden)]
    PageViewRestriction.objects.create(page=hidden, restriction_type=PageViewRestriction.PASSWORD, password="x")
    sync()
    assert api_search(client, "unreleased")["total"] == 0
    assert kb(draft) not in ids(api_search(client, "feature notes"))


# --- freshness ------------------------------------------------------------------------------------

def test_article_publish_edit_unpublish_delete(client, backend, kb_indexes, sync):
    from kb.services import ArticleContent, update_article

    article = make_article(kb_indexes["en"], "Configure Cloudflare", tags=())
    sync()
    assert ids(api_search(client, "cloudflare")) == [kb(article)]
    update_article(article, ArticleContent(title="Configure a CDN", summary="Any CDN.",
                                           body=_body("Point the CDN at your site.")), publish=True)
    sync()
    assert api_search(client, "cloudflare")["total"] == 0
    assert ids(api_search(client, "cdn")) == [kb(article)]
    article.refresh_from_db()
    article.unpublish()
    sync()
    assert api_search(client, "cdn")["total"] == 0
    article.refresh_from_db()
    article.save_revision().publish()
    sync()
    assert ids(api_search(client, "cdn")) == [kb(article)]
    article.delete()
    sync()
    assert api_search(client, "cdn")["total"] == 0


def test_moving_an_article_updates_its_url(client, backend, kb_indexes, sync):
    first = make_category(kb_indexes["en"], "Email", "email")
    second = make_category(kb_indexes["en"], "Security", "security")
    article = make_article(first, "Two-factor login", tags=())
    sync()
    assert "/email/" in api_search(client, "two-factor")["results"][0]["url"]
    article.move(second, pos="last-child")
    sync()
    url = api_search(client, "two-factor")["results"][0]["url"]
    assert "/security/" in url
    assert client.get(url).status_code == 200


def test_topic_create_reply_accept_delete(client, backend, public_forum, sync):
    from forum import services

    topic = make_topic(public_forum, "Cannot send mail from PHP", "mail() returns false.")
    sync()
    assert ids(api_search(client, "php mail")) == [tp(topic)]
    assert api_search(client, "sendmail_path")["total"] == 0
    reply = services.create_reply(topic, UserFactory(), "Set sendmail_path in php.ini.")
    sync()
    assert ids(api_search(client, "sendmail_path")) == [tp(topic)]
    assert api_search(client, "php mail")["results"][0]["solved"] is False
    services.accept_answer(topic, reply, topic.poster)
    sync()
    assert api_search(client, "php mail")["results"][0]["solved"] is True
    reply.delete()
    sync()
    assert api_search(client, "sendmail_path")["total"] == 0
    topic.refresh_from_db()
    topic.delete()
    sync()
    assert api_search(client, "php mail")["total"] == 0


def test_moving_a_topic_into_a_private_forum_hides_it(client, backend, public_forum, private_forum, sync):
    topic = make_topic(public_forum, "Abuse report from our registrar", "We got an abuse report.")
    sync()
    assert ids(api_search(client, "abuse registrar")) == [tp(topic)]
    topic.forum = private_forum
    topic.save()
    sync()
    assert api_search(client, "abuse registrar")["total"] == 0


def test_a_change_made_in_a_request_is_searchable_right_after_it(client, backend, public_forum, customer):
    """No worker: the request that marks the solution applies its outbox rows when it finishes."""
    topic = make_topic(public_forum, "Webmail login loop", "I keep getting sent back to login.", user=customer,
                       replies=["Clear your cookies for the webmail domain."])
    outbox.drain()
    reply = topic.posts.order_by("created").last()
    client.force_login(customer)
    response = client.post(reverse("support_forum:mark_solution", args=[topic.pk]), {"post": reply.pk})
    assert response.status_code == 302
    assert api_search(client, "webmail login loop")["results"][0]["solved"] is True
    assert not OutboxEntry.objects.exists()


def test_a_change_outside_requests_is_applied_when_its_transaction_commits(
    client, backend, kb_indexes, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        article = make_article(kb_indexes["en"], "Redirect www to the bare domain", tags=())
    assert ids(api_search(client, "redirect www")) == [kb(article)]
    assert not OutboxEntry.objects.exists()


def test_a_crash_before_indexing_loses_nothing(client, backend, kb_indexes, settings):
    """The change commits with its outbox row; the process dies before indexing (simulated by not
    applying at all); the worker started later brings the index up to date."""
    settings.SEARCH_APPLY_IMMEDIATELY = False
    article = make_article(kb_indexes["en"], "Enable OPcache", tags=())
    assert api_search(client, "opcache")["total"] == 0
    assert OutboxEntry.objects.filter(doc_id=kb(article)).exists()
    call_command("search_worker", "--once", verbosity=0)
    assert ids(api_search(client, "opcache")) == [kb(article)]
    assert not OutboxEntry.objects.exists()


# --- failures are retried, never dropped ----------------------------------------------------------

def test_a_failed_update_is_retried_with_backoff_and_applied_later(client, backend_name, kb_indexes, settings, sync):
    from tests.search.conftest import FAILING_BACKENDS
    from tests.search.failing_backend import fail_indexing, stop_failing

    settings.SEARCH_BACKEND = FAILING_BACKENDS[backend_name]
    settings.SEARCH_OUTBOX_BACKOFF = (10, 3600)
    broken = make_article(kb_indexes["en"], "Varnish cache purge", tags=())
    fine = make_article(kb_indexes["en"], "Varnish cache headers", tags=())
    fail_indexing(kb(broken))
    report = outbox.drain()
    assert list(report.failed) == [kb(broken)]
    assert "injected indexing failure" in report.failed[kb(broken)]
    assert ids(api_search(client, "varnish")) == [kb(fine)]  # the others were indexed
    rows = list(OutboxEntry.objects.filter(doc_id=kb(broken)))  # one per signal; all kept
    assert rows and all(r.attempts == 1 and "injected" in r.last_error for r in rows)
    row = rows[0]
    assert row.next_attempt_at > timezone.now() + timedelta(seconds=9)

    with time_machine.travel(row.next_attempt_at + timedelta(seconds=1)):
        assert list(outbox.drain().failed) == [kb(broken)]  # still broken: second attempt
    row.refresh_from_db()
    assert row.attempts == 2
    assert row.next_attempt_at - timezone.now() > timedelta(seconds=19)  # back-off doubled
    assert not OutboxEntry.objects.exclude(doc_id=kb(broken)).exists()

    stop_failing()
    assert not outbox.drain()  # not due yet: nothing happens early
    with time_machine.travel(row.next_attempt_at + timedelta(seconds=1)):
        assert outbox.drain().applied == [kb(broken)]
    assert not OutboxEntry.objects.exists()
    assert set(ids(api_search(client, "varnish"))) == {kb(broken), kb(fine)}


def test_the_worker_command_reports_failures_and_keeps_them(backend_name, kb_indexes, settings, capsys):
    from tests.search.conftest import FAILING_BACKENDS
    from tests.search.failing_backend import fail_indexing

    settings.SEARCH_BACKEND = FAILING_BACKENDS[backend_name]
    broken = make_article(kb_indexes["en"], "Broken on purpose", tags=())
    fail_indexing(kb(broken))
    call_command("search_worker", "--once")
    output = capsys.readouterr()
    assert f"{kb(broken)}: RuntimeError: injected indexing failure" in output.err
    call_command("search_status")
    status = capsys.readouterr().out
    assert "1 failing" in status and kb(broken) in status


# --- rebuild ----------------------------------------------------------------------------------------

def test_rebuild_resumes_after_an_interruption_and_drops_stale_documents(
    client, backend, kb_indexes, public_forum, settings
):
    from search.documents import SearchDocument

    settings.SEARCH_APPLY_IMMEDIATELY = False
    articles = [make_article(kb_indexes["en"], f"Quota article {n}", tags=()) for n in range(5)]
    topics = [make_topic(public_forum, f"Quota topic {n}", "Quota question.") for n in range(3)]
    OutboxEntry.objects.all().delete()  # pretend the index was never fed: only a rebuild fills it
    backend.index([SearchDocument(id="topic:999999", kind="topic", object_id=999999, language="en",
                                  title="Quota ghost", body="", url="/gone/", forum_id=public_forum.pk)])
    partial = rebuild.rebuild(backend, batch_size=2, stop_after=4)  # "crash" after two batches
    assert partial.processed == 4 and partial.phase == "article"
    assert rebuild.state_of(backend).running
    assert not rebuild.is_fresh(backend)[0]
    assert ids(api_search(client, "ghost")) == ["topic:999999"]  # searches keep the old index meanwhile
    result = rebuild.rebuild(backend, batch_size=2)  # resumes
    assert result.resumed and result.phase == "done" and result.processed == 8
    found = set(ids(api_search(client, "quota", limit=50)))
    assert found == {kb(a) for a in articles} | {tp(t) for t in topics}  # ghost gone
    assert rebuild.is_fresh(backend) == (True, "index populated and outbox empty")


def test_reindex_command_shows_progress_and_skips_when_fresh(backend, kb_indexes, capsys, sync):
    make_article(kb_indexes["en"], "Progress article", tags=())
    sync()
    call_command("search_reindex")
    out = capsys.readouterr().out
    assert "Search index rebuilt: 1 documents indexed" in out and "[" in out
    call_command("search_reindex", "--quiet-if-fresh")
    assert capsys.readouterr().out == ""
    call_command("search_status")
    status = capsys.readouterr().out
    assert "Documents: 1 indexed" in status and "Outbox: 0 rows" in status


# --- any input is safe ----------------------------------------------------------------------------

HOSTILE = ["", " ", '"', "*", "NEAR(", "NEAR(a b", "-", "AND OR", "OR", "NOT", "a AND", "(((", ")",
           "title:x", "{title}: x", "^x", "x'; DROP TABLE search_document; --", "' OR 1=1 --", "%", "_",
           "\\", "\x00", "\x00\x01\x1f\x7f", "\ud7ff", "a" * 10_000, "word " * 2000, "ê" * 5000,
           "\u200b\u200d", "😀" * 100, "<script>alert(1)</script>", "NEAR(\"x\" \"y\", 2)", "x*", "\"x\"*"]


def test_hostile_queries_never_fail(client, backend, multilingual):
    for endpoint in ("search_api:search", "search_api:suggest"):
        for q in HOSTILE:
            response = client.get(reverse(endpoint), {"q": q, "lang": "en"})
            assert response.status_code == 200, (endpoint, q[:50], response.content[:300])
            body = response.json()
            assert set(body) == {"query", "total", "results"}
            for result in body["results"]:
                assert "<script" not in result["snippet"]
            page = client.get("/en/search/", {"q": q})
            assert page.status_code == 200, (q[:50], page.content[:300])


@hypothesis_settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    q=st.text(alphabet=st.characters(codec="utf-8"), max_size=300)
    | st.lists(st.sampled_from(['"', "*", "NEAR(", "-", "AND", "OR", "NOT", "(", ")", ":", "^", "'", ";", "dns",
                                "canlı", "ລະຫັດ", "--", "%", "_"]), max_size=12).map(" ".join),
    lang=st.sampled_from(["", "en", "tr", "lo", "xx"]),
    kind=st.sampled_from(["", "article", "topic", "x"]),
    limit=st.sampled_from(["", "1", "50", "0", "-3", "abc", "999"]),
    offset=st.sampled_from(["", "0", "10", "1000", "-1", "1e3"]),
)
def test_fuzzed_parameters_get_200_or_a_clear_4xx(client, backend, multilingual, q, lang, kind, limit, offset):
    for endpoint in ("search_api:search", "search_api:suggest"):
        response = client.get(reverse(endpoint), {"q": q, "lang": lang, "kind": kind, "limit": limit,
                                                  "offset": offset})
        assert response.status_code in (200, 400), response.content[:300]
        body = response.json()
        if response.status_code == 400:
            assert body["message"] and body["parameter"] in ("lang", "kind", "limit", "offset")
        else:
            assert isinstance(body["total"], int) and isinstance(body["results"], list)

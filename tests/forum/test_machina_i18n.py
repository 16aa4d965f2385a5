"""machina's own confirmations and counters reach customers in their language. They come from
machina's Python views and templates, not from our code, so the catalogue-completeness test in
tests/test_i18n.py cannot see them: here they are rendered, in each language, and checked."""

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext, ngettext

from forum.machina_strings import MACHINA_STRINGS
from tests.forum.factories import make_topic

pytestmark = pytest.mark.django_db

LANGUAGES = ("ne", "cy", "lo", "tr", "lt")


def in_language(lang: str, function, *args):
    with translation.override(lang):
        return function(*args)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_subscribing_and_the_subscription_list_speak_the_readers_language(client, lang, question, other_customer):
    client.force_login(other_customer)
    subscribe = in_language(lang, reverse, "forum_member:topic_subscribe", None, None, {"pk": question.pk})
    assert subscribe.startswith(f"/{lang}/")
    html = client.post(subscribe, follow=True).content.decode()
    english = "You subscribed to this topic successfully."
    assert english not in html
    assert escape(in_language(lang, gettext, english)) in html
    html = client.get(in_language(lang, reverse, "forum_member:user_subscriptions")).content.decode()
    assert "topic found" not in html
    counter = in_language(lang, ngettext, "%(counter)s topic found", "%(counter)s topics found", 1) % {"counter": 1}
    assert escape(counter) in html


@pytest.mark.parametrize("lang", LANGUAGES)
def test_posting_a_reply_confirms_in_the_readers_language(client, lang, email_forum, customer, other_customer):
    topic = make_topic(email_forum, customer, subject="Webmail shows an old inbox", language=lang)
    client.force_login(other_customer)
    url = in_language(lang, reverse, "forum_conversation:post_create", None, None, {
        "forum_slug": email_forum.slug, "forum_pk": email_forum.pk, "topic_slug": topic.slug, "topic_pk": topic.pk,
    })
    response = client.post(url, {"subject": f"Re: {topic.subject}", "content": "Clear the browser cache, then log in again."},
                           follow=True)
    html = response.content.decode()
    english = "This message has been posted successfully."
    assert english not in html
    assert escape(in_language(lang, gettext, english)) in html


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_machina_string_we_list_is_translated(lang):
    po = polib.pofile(str(Path(settings.BASE_DIR) / "locale" / lang / "LC_MESSAGES" / "django.po"))
    translated = {entry.msgid for entry in po if entry.translated()}
    missing = [text for text in MACHINA_STRINGS if text not in translated]
    assert not missing, missing

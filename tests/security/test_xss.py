"""The XSS corpus (tests/security/xss-payloads.txt, 724 public payloads) through the one renderer
and through every place the forum stores rendered user content: posts, signatures and forum
descriptions. Nothing may survive as executable HTML, and cleaning the output again must not
change it."""

import pytest
from machina.core.db.models import get_model

from helpcenter.markup import clean_html, render_markdown
from tests.security.html_safety import load_corpus, problems

PAYLOADS = load_corpus()

# Payloads also appear in Markdown constructs a poster might use to smuggle them in.
CONTEXTS = {
    "raw": "{}",
    "link_target": "[click here]({})",
    "link_text": "[{}](https://example.com/)",
    "inline_code": "`{}`",
    "fenced_code": "```html\n{}\n```",
    "list_item": "- first\n- {}",
    "table_cell": "| a | b |\n|---|---|\n| {} | x |",
}


def test_corpus_is_the_full_public_list():
    assert len(PAYLOADS) >= 700
    assert "<SCRIPT>alert('XSS');</SCRIPT>" in PAYLOADS


def test_checker_catches_what_it_must():
    """The HTML checker itself: it would flag unsafe output (so a pass means something)."""
    assert problems('<p><img src=x onerror="alert(1)"></p>')
    assert problems('<a href="jav&#x09;ascript:alert(1)">x</a>')
    assert problems('<a href=" data:text/html;base64,PHNjcmlwdD4=">x</a>')
    assert problems("<svg><script>alert(1)</script></svg>")
    assert problems('<p style="background:url(javascript:alert(1))">x</p>')
    assert problems("<!--[if IE]><script>alert(1)</script><![endif]-->")
    assert not problems('<p><a href="https://example.com/" rel="nofollow ugc noopener">ok</a></p>')


@pytest.mark.parametrize("context", sorted(CONTEXTS))
def test_every_payload_renders_safe_and_idempotent(context):
    failures = []
    for number, payload in enumerate(PAYLOADS, start=1):
        rendered = str(render_markdown(CONTEXTS[context].format(payload)))
        found = problems(rendered)
        if found:
            failures.append(f"line {number} {payload!r}: {found[0]} in {rendered[:200]!r}")
        if clean_html(rendered) != rendered:
            failures.append(f"line {number} {payload!r}: cleaning again changed the output")
    assert not failures, f"{len(failures)} unsafe renders, first: " + "\n".join(failures[:10])


@pytest.mark.parametrize("payload", PAYLOADS[:5])
def test_clean_html_alone_is_safe_and_idempotent(payload):
    """clean_html (for already-rendered HTML) is safe on raw input too."""
    once = clean_html(payload)
    assert not problems(once)
    assert clean_html(once) == once


def test_links_are_nofollow_ugc_and_script_urls_dropped():
    html = str(render_markdown("[a](https://example.com/) [b](javascript:alert(1)) [c](vbscript:msgbox)"))
    assert 'href="https://example.com/" rel="nofollow ugc noopener"' in html
    assert "javascript" not in html and "vbscript" not in html


def test_code_renders_as_code_and_html_inside_is_text():
    html = str(render_markdown("Run `dig +short MX example.com`\n\n```bash\necho '<script>'\n```"))
    assert "<code>dig +short MX example.com</code>" in html
    assert '<pre><code class="language-bash">' in html
    assert "&lt;script&gt;" in html
    assert not problems(html)


FIELDS = (
    ("forum_conversation", "Post", "content"),
    ("forum_member", "ForumProfile", "signature"),
    ("forum", "Forum", "description"),
)


@pytest.mark.parametrize("app_label, model_name, field_name", FIELDS)
def test_every_payload_is_safe_in_forum_fields(app_label, model_name, field_name):
    """Posts, signatures and forum descriptions: machina renders these MarkupTextFields on
    pre_save with MACHINA_MARKUP_LANGUAGE (our renderer). Run that exact hook for every payload."""
    model = get_model(app_label, model_name)
    field = model._meta.get_field(field_name)
    instance = model()
    failures = []
    for number, payload in enumerate(PAYLOADS, start=1):
        setattr(instance, field_name, payload)
        field.render_data(signal=None, sender=model, instance=instance)
        rendered = getattr(instance, f"_{field_name}_rendered")
        found = problems(rendered)
        if found:
            failures.append(f"line {number} {payload!r}: {found[0]}")
        elif clean_html(rendered) != rendered:
            failures.append(f"line {number}: not idempotent")
    assert not failures, f"{len(failures)} unsafe, first: " + "\n".join(failures[:10])


@pytest.mark.django_db
def test_stored_forum_content_is_rendered_by_our_renderer(customer):
    """A real save of each field stores our sanitised HTML (the hook above is really used)."""
    from forum import services

    Forum = get_model("forum", "Forum")
    ForumProfile = get_model("forum_member", "ForumProfile")
    payload = '<script>alert(1)</script> [x](javascript:alert(2)) `code`'
    forum = Forum(name="Security", type=Forum.FORUM_POST, description=payload)
    forum.save()
    topic = services.create_topic(forum, customer, "XSS corpus", payload)
    profile, _created = ForumProfile.objects.get_or_create(user=customer)
    profile.signature = payload
    profile.save()
    forum.refresh_from_db()
    profile.refresh_from_db()
    post = topic.first_post
    post.refresh_from_db()
    expected = str(render_markdown(payload))
    assert "&lt;script&gt;" in expected and "<code>code</code>" in expected
    for value in (post.content.rendered, profile.signature.rendered, forum.description.rendered):
        assert value == expected
        assert not problems(value)


@pytest.mark.django_db
def test_topic_page_shows_payload_as_text(client, customer):
    """End to end: a payload posted as a topic appears as text on the topic page."""
    from django.urls import reverse

    from forum import permissions, services

    Forum = get_model("forum", "Forum")
    permissions.sync_all()
    forum = Forum(name="Security", type=Forum.FORUM_POST)
    forum.save()
    payload = '<img src=x onerror=alert(1)><script>alert("xss")</script>'
    topic = services.create_topic(forum, customer, "Look at this", payload)
    response = client.get(reverse("forum_conversation:topic", kwargs={
        "forum_slug": forum.slug, "forum_pk": forum.pk, "slug": topic.slug, "pk": topic.pk,
    }))
    assert response.status_code == 200
    body = response.content.decode()
    assert "&lt;script&gt;alert" in body
    assert "<img src=x onerror" not in body and '<script>alert("xss")' not in body

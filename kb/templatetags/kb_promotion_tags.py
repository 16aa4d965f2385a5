"""Template tags for promoted forum answers: the credit line on the article, the banner on the
topic and the "Promote to article" button on replies."""

from __future__ import annotations

from django import template
from django.core.exceptions import ObjectDoesNotExist

from kb import promotion
from kb.models import PromotedAnswer

register = template.Library()


@register.simple_tag
def promotion_credit(page) -> dict | None:
    """{"name", "url"} for the article's credit line, or None (not promoted, credit off, author opted out)."""
    try:
        promoted = PromotedAnswer.objects.select_related("author", "topic", "topic__forum").get(article_id=page.pk)
    except (PromotedAnswer.DoesNotExist, ValueError, TypeError):
        return None
    if not promoted.credit_shown:
        return None
    url = ""
    if promoted.topic is not None and promoted.topic.approved:
        from search.documents import localize_url, topic_url

        url = localize_url(topic_url(promoted.topic), "topic", page.locale.language_code)
    return {"name": promoted.credit_name(), "url": url}


@register.simple_tag
def promoted_article(topic):
    """The live article this topic was promoted into, or None."""
    if topic is None:
        return None
    return promotion.promoted_article_for_topic(topic.pk)


@register.simple_tag(takes_context=True)
def can_promote_topic(context, topic) -> bool:
    """Whether the reader may promote replies of this topic (cached per request and topic)."""
    request = context.get("request")
    if request is None or topic is None or not request.user.is_authenticated:
        return False
    cache = getattr(request, "_kb_can_promote", None)
    if cache is None:
        cache = request._kb_can_promote = {}
    if topic.pk not in cache:
        try:
            language = promotion.topic_language(topic)
        except ObjectDoesNotExist:
            language = None
        cache[topic.pk] = promotion.can_promote(request.user, language)
    return cache[topic.pk]

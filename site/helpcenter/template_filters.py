"""Filters and tags every template may use without `{% load %}` (registered as a template builtin):
machina's templates, which we override but cannot add loads to cheaply, need them too."""

from django import template
from django.middleware.csrf import get_token
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from helpcenter.markup import plain_text as _plain_text

register = template.Library()


@register.filter(is_safe=False)
def plain_text(value: object) -> str:
    """Rendered user HTML as plain text, escaped by the template for wherever it lands
    (attributes, `<title>`, meta tags, excerpts). Never `|safe` after it."""
    return _plain_text(value if value is None else str(value))


@register.simple_tag(takes_context=True)
def csrf_field(context: template.Context) -> str:
    """`{% csrf_token %}` for forms that anonymous visitors see on cacheable pages.

    A signed-in user gets the token as usual. For an anonymous visitor the field is left empty and
    marked `data-csrf-on-demand`: static/js/site.js fetches a token from /api/csrf when the form is
    submitted, so the page itself sets no cookie and can be cached. Without JavaScript the post
    fails the CSRF check and home.views.csrf_failure offers to send it again with a token.
    """
    request = context.get("request")
    user = getattr(request, "user", None)
    if request is not None and user is not None and user.is_authenticated:
        return format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', get_token(request))
    return mark_safe('<input type="hidden" name="csrfmiddlewaretoken" value="" data-csrf-on-demand>')

"""Template helpers for the knowledge base pages."""

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from kb.models import CategoryIcon

register = template.Library()

ICONS = {choice.value for choice in CategoryIcon}


@register.simple_tag
def kb_icon(name: str, css_class: str = "kb-icon") -> SafeString:
    """An inline SVG icon (decorative: aria-hidden); unknown names fall back to the book."""
    name = name if name in ICONS else CategoryIcon.BOOK.value
    svg = render_to_string(f"kb/icons/{name}.svg", {"css_class": css_class})
    return mark_safe(svg.strip())


@register.filter
def language_name(code: str) -> str:
    """A language's name in that language ("ລາວ" for lo), as the language switcher shows it."""
    return settings.LANGUAGE_NAMES_LOCAL.get(code, code)


@register.filter
def percent(ratio: float | None) -> str:
    return "" if ratio is None else f"{round(ratio * 100)}"

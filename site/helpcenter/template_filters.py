"""Filters every template may use without `{% load %}` (registered as a template builtin):
machina's templates, which we override but cannot add loads to cheaply, need them too."""

from django import template

from helpcenter.markup import plain_text as _plain_text

register = template.Library()


@register.filter(is_safe=False)
def plain_text(value: object) -> str:
    """Rendered user HTML as plain text, escaped by the template for wherever it lands
    (attributes, `<title>`, meta tags, excerpts). Never `|safe` after it."""
    return _plain_text(value if value is None else str(value))

"""Moving between languages: the same page in another language, and remembering the choice.

Django's own `set_language` translates a URL by resolving it and reversing it under the new
language. That is right for our views, but a Wagtail page's translation may live at a
different slug, so for pages we look the translation up instead; where a page has no live
translation the visitor lands on the new language's home page rather than on a 404.
"""

from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import Resolver404, resolve, translate_url
from django.utils import translation
from django.utils.translation import get_language_from_path
from wagtail.models import Locale, Page, Site

LANGUAGE_CODES = {code for code, _name in settings.LANGUAGES}


def language_home_url(lang_code: str) -> str:
    return f"/{lang_code}/"


def _wagtail_page_for_path(request: HttpRequest, path: str, lang_code: str) -> Page | None:
    """The live Wagtail page served at `path` (without language prefix) in `lang_code`."""
    site = Site.find_for_request(request)
    if site is None:
        return None
    root = site.root_page
    locale = Locale.objects.filter(language_code=lang_code).first()
    if locale is not None:
        root = root.get_translation_or_none(locale) or root
    try:
        page, _args, _kwargs = root.specific.route(request, [c for c in path.split("/") if c])
    except Http404:
        return None
    return page


def url_in_language(request: HttpRequest, url: str, lang_code: str) -> str:
    """The URL showing the same thing as `url` in `lang_code`, else that language's home page.

    URLs without a language prefix (the API, the admin) are returned unchanged.
    """
    parts = urlsplit(url)
    source_lang = get_language_from_path(parts.path)
    if not source_lang:
        return language_home_url(lang_code) if parts.path in ("", "/") else url
    if source_lang == lang_code:
        return url
    with translation.override(source_lang):
        try:
            match = resolve(parts.path)
        except Resolver404:
            return language_home_url(lang_code)
    if match.url_name == "wagtail_serve":
        page_path = match.kwargs.get("path") or (match.args[0] if match.args else "")
        page = _wagtail_page_for_path(request, page_path, source_lang)
        target_locale = Locale.objects.filter(language_code=lang_code).first()
        translated = page.get_translation_or_none(target_locale) if page and target_locale else None
        if translated is None or not translated.live:
            return language_home_url(lang_code)
        new_path = translated.get_url(request) or language_home_url(lang_code)
    else:
        with translation.override(source_lang):  # translate_url resolves in the active language
            new_path = translate_url(parts.path, lang_code)
        if new_path == parts.path:  # Django could not translate it
            return language_home_url(lang_code)
    return urlunsplit(("", "", new_path, parts.query, ""))


def remember_language(response: HttpResponse, lang_code: str) -> HttpResponse:
    """Set the language cookie LocaleMiddleware reads for URLs without a prefix."""
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        lang_code,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response

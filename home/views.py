from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, HttpResponseRedirect, JsonResponse
from django.middleware.csrf import REASON_NO_CSRF_COOKIE, get_token
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache

from home.language import LANGUAGE_CODES, remember_language, url_in_language


def _safe_next(request: HttpRequest) -> str:
    for candidate in (
        request.POST.get("next"),
        request.GET.get("next"),
        request.META.get("HTTP_REFERER"),
    ):
        if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return candidate
    return "/"


def set_language(request: HttpRequest) -> HttpResponse:
    """The language switcher's target (replaces django.views.i18n.set_language).

    POST `language` and `next`: sets the language cookie, stores the choice as a signed-in
    user's preferred language, and redirects to the same page in that language (or that
    language's home page when the page has no translation). A GET only redirects back, like
    Django's view, because a link must not change state.
    """
    next_url = _safe_next(request)
    if request.method != "POST":
        return HttpResponseRedirect(next_url)
    lang_code = request.POST.get("language", "")
    if lang_code not in LANGUAGE_CODES:
        return HttpResponseRedirect(next_url)
    response = HttpResponseRedirect(url_in_language(request, next_url, lang_code))
    user = request.user
    if user.is_authenticated and getattr(user, "preferred_language", lang_code) != lang_code:
        user.preferred_language = lang_code
        user.save(update_fields=["preferred_language"])
    return remember_language(response, lang_code)


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page links to. The static URL is looked up per
    request: production's hashed names exist only after collectstatic."""
    return HttpResponsePermanentRedirect(static("img/favicon.svg"))


@never_cache
def csrf_token(request: HttpRequest) -> JsonResponse:
    """A CSRF token (and its cookie) for a form on a cached page, fetched when it is submitted
    (see helpcenter.template_filters.csrf_field)."""
    return JsonResponse({"token": get_token(request)})


# Posts that may be sent again from the CSRF failure page: harmless actions an anonymous visitor
# takes on cached pages. Never login, sign-up or anything that creates content.
RETRYABLE_POSTS = ("/i18n/setlang/",)
RETRYABLE_SUFFIXES = ("/feedback/",)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """The CSRF failure page. A visitor without JavaScript posting a form from a cached page has
    no CSRF cookie yet: for the harmless forms such pages carry, offer to send the same answer
    again, now with a token, instead of losing it."""
    retry = (
        request.method == "POST"
        and reason == REASON_NO_CSRF_COOKIE
        and not request.user.is_authenticated
        and (request.path in RETRYABLE_POSTS or request.path.endswith(RETRYABLE_SUFFIXES))
    )
    fields = [(name, value) for name, values in request.POST.lists() if name != "csrfmiddlewaretoken"
              for value in values] if retry else []
    return render(request, "403_csrf.html", {"retry": retry, "fields": fields, "action": request.path}, status=403)

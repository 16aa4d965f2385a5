from django.conf import settings
from django.http import HttpRequest


def site_chrome(request: HttpRequest) -> dict:
    """What every page's header and footer need."""
    return {
        "SITE_NAME": settings.WAGTAIL_SITE_NAME,
        "SITE_LANGUAGES": [
            (code, settings.LANGUAGE_NAMES_LOCAL.get(code, str(name))) for code, name in settings.LANGUAGES
        ],
        # Every language's own name, for scripts that label results (base.html: #language-names).
        "SITE_LANGUAGE_NAMES": {
            code: settings.LANGUAGE_NAMES_LOCAL.get(code, str(name)) for code, name in settings.LANGUAGES
        },
        "SUPPORT_EMAIL": settings.SUPPORT_EMAIL,
    }

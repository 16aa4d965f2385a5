"""Site URLs. UI pages carry a language prefix (/en/, /ne/, ...); the JSON API, the admin
and static/media do not."""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from home import views as home_views
from search import api_urls as search_api_urls

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("django-admin/", admin.site.urls),
    path("documents/", include(wagtaildocs_urls)),
    # A CSRF token for forms on cached pages, fetched on submit (helpcenter/template_filters.py).
    path("api/csrf", home_views.csrf_token, name="csrf_token"),
    path("api/", include(search_api_urls)),
    # Our language switcher target: lands on the translated page, not just the translated URL.
    path("i18n/setlang/", home_views.set_language, name="set_language"),
    # Browsers and feed readers ask for /favicon.ico whatever the page links to.
    path("favicon.ico", home_views.favicon),
]

urlpatterns += i18n_patterns(
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/", include("accounts.urls")),
    # machina's URLs with our views swapped in (forum/board_urls.py), then our own actions.
    path("community/", include("forum.board_urls")),
    path("community/", include("forum.urls")),
    path("community/", include("kb.urls_promotion")),  # "Promote to article" (kb/promotion.py)
    path("search/", include("search.urls")),
    path("support/", include("tickets.urls")),
    path("", include(wagtail_urls)),
    prefix_default_language=True,
)

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns = static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT) + urlpatterns

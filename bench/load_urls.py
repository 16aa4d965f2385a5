"""The site's URLs plus /bench/empty (bench/load.py's floor): never part of the real site."""

from django.http import HttpResponse
from django.urls import path

from helpcenter.urls import urlpatterns as site_urlpatterns


def empty(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("bench/empty", empty), *site_urlpatterns]

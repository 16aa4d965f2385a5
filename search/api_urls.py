"""The JSON API, outside the language prefixes: /api/search and /api/suggest (see search/views.py)."""

from django.urls import path

from search import views

app_name = "search_api"
urlpatterns = [
    path("search", views.api_search, name="search"),
    path("suggest", views.api_suggest, name="suggest"),
]

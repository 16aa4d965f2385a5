from django.urls import path

from kb.views_promote import promote_post

app_name = "kb_promotion"
urlpatterns = [
    path("promote/<int:post_pk>/", promote_post, name="promote"),
]

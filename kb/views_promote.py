"""The "Promote to article" form: staff turn a forum reply into a KB article (kb/promotion.py)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from kb import promotion
from kb.importing import SUMMARY_MAX, TITLE_MAX
from search.documents import topic_url


class PromoteForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    summary = forms.CharField(label=_("Summary"), max_length=SUMMARY_MAX, widget=forms.Textarea(attrs={"rows": 2}))
    parent = forms.TypedChoiceField(label=_("Category"), coerce=int)
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Separate tags with commas."))
    body = forms.CharField(
        label=_("Body"),
        widget=forms.Textarea(attrs={"rows": 18}),
        help_text=_("Markdown. Converted to the article's blocks; you can refine it later in the admin."),
    )
    show_credit = forms.BooleanField(
        label=_("Credit the author (“Originally answered by … in the community”)"), required=False
    )

    def __init__(self, *args, parent_choices: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = parent_choices

    def clean_body(self) -> str:
        body = self.cleaned_data["body"]
        if not promotion.markdown_to_blocks(body):
            raise forms.ValidationError(gettext("The body has no text to publish."))
        return body

    def tag_list(self) -> list[str]:
        return [t.strip()[:100] for t in self.cleaned_data.get("tags", "").split(",") if t.strip()]


def promote_post(request: HttpRequest, post_pk: int) -> HttpResponse:
    post = get_object_or_404(
        promotion.Post.objects.select_related("topic", "topic__forum", "poster"), pk=post_pk, approved=True
    )
    topic = post.topic
    handler = getattr(request, "forum_permission_handler", None)
    if handler is not None and not handler.can_read_forum(topic.forum, request.user):
        raise PermissionDenied
    language = promotion.topic_language(topic)
    if not request.user.is_authenticated:
        return HttpResponseRedirect(reverse("accounts:login") + "?next=" + request.get_full_path())
    index = promotion.kb_index_for(language)
    if index is None or not promotion.can_promote(request.user, language):
        raise PermissionDenied
    draft = promotion.draft_for(post)
    choices = promotion.parent_choices(index)
    if request.method == "POST":
        form = PromoteForm(request.POST, parent_choices=choices)
        if form.is_valid():
            parent = Page.objects.get(pk=form.cleaned_data["parent"]).specific
            if not parent.permissions_for_user(request.user).can_add_subpage():
                raise PermissionDenied
            action = promotion.PUBLISH if "publish" in request.POST else promotion.DRAFT
            article, outcome = promotion.promote(
                post,
                user=request.user,
                parent=parent,
                title=form.cleaned_data["title"],
                summary=form.cleaned_data["summary"],
                body_markdown=form.cleaned_data["body"],
                tags=form.tag_list(),
                action=action,
                show_credit=form.cleaned_data["show_credit"],
            )
            text = {
                promotion.PUBLISHED: gettext("The article is published."),
                promotion.SUBMITTED: gettext("The article was submitted for review."),
                promotion.SAVED_DRAFT: gettext("The article was saved as a draft."),
            }[outcome]
            messages.success(request, text)
            return HttpResponseRedirect(reverse("wagtailadmin_pages:edit", args=[article.pk]))
    else:
        form = PromoteForm(
            initial={
                "title": draft.title,
                "summary": draft.summary,
                "parent": draft.parent_id,
                "tags": ", ".join(draft.tags),
                "body": draft.body_markdown,
                "show_credit": True,
            },
            parent_choices=choices,
        )
    author = post.poster
    return render(
        request,
        "kb/promote.html",
        {
            "form": form,
            "post": post,
            "topic": topic,
            "topic_url": topic_url(topic),
            "language": language,
            "kb_index": index,
            "author_opted_out": bool(author and not author.credit_in_articles),
            "can_publish": index.permissions_for_user(request.user).can_publish_subpage(),
            "existing": promotion.promoted_article_for_topic(topic.pk, live_only=False),
        },
    )

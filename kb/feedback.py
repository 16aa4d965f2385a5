""""Was this article helpful?": one vote per reader and article, changeable, with an optional
comment on "No".

A reader is the logged-in user, or else an anonymous session (a random token kept in the session,
so it survives the session-key change at login). The endpoint is the article's `feedback/`
sub-route: a plain form POST (redirects back with a thank-you message) or fetch() with
`Accept: application/json` (JSON reply, updated in place by static/kb/kb.js). CSRF comes from
Django's middleware; the rate limit from helpcenter.ratelimit.
"""

from __future__ import annotations

import secrets

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from helpcenter.ratelimit import Limit, is_limited
from kb.models import ArticleFeedback, ArticlePage
from kb.signals import article_feedback_changed

SESSION_KEY = "kb_voter"
COMMENT_MAX_LENGTH = 1000
DEFAULT_LIMIT = Limit(count=30, seconds=600)


def feedback_limit() -> Limit:
    """KB_FEEDBACK_RATE_LIMIT = (count, seconds) in settings overrides the default."""
    configured = getattr(settings, "KB_FEEDBACK_RATE_LIMIT", None)
    return Limit(*configured) if configured else DEFAULT_LIMIT


class FeedbackForm(forms.Form):
    helpful = forms.ChoiceField(choices=[("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))])
    comment = forms.CharField(required=False, max_length=COMMENT_MAX_LENGTH, strip=True)


def _voter_key(request: HttpRequest, create: bool) -> str | None:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    token = request.session.get(SESSION_KEY)
    if token is None and create:
        token = secrets.token_urlsafe(18)
        request.session[SESSION_KEY] = token
    return f"session:{token}" if token else None


def current_vote(request: HttpRequest, article: ArticlePage) -> ArticleFeedback | None:
    """This reader's vote on the article, if any. Never creates a session."""
    voter = _voter_key(request, create=False)
    if voter is None or article.pk is None:  # no pk: the admin previewing an article not yet saved
        return None
    return ArticleFeedback.objects.filter(article=article, voter=voter).first()


def recount(article: ArticlePage) -> tuple[int, int]:
    """Recompute the article's helpful_yes/helpful_no from the votes (exact, no drift)."""
    counts = ArticleFeedback.objects.filter(article=article).aggregate(
        yes=Count("pk", filter=Q(helpful=True)), no=Count("pk", filter=Q(helpful=False))
    )
    ArticlePage.objects.filter(pk=article.pk).update(helpful_yes=counts["yes"], helpful_no=counts["no"])
    article.helpful_yes, article.helpful_no = counts["yes"], counts["no"]
    return counts["yes"], counts["no"]


def record_vote(article: ArticlePage, voter: str, helpful: bool, comment: str = "", user=None) -> ArticleFeedback:
    """Create or update this voter's vote. A comment is kept only with a "No"; an empty comment
    on a repeat vote leaves an earlier comment in place."""
    comment = comment.strip()[:COMMENT_MAX_LENGTH] if not helpful else ""
    with transaction.atomic():
        vote = ArticleFeedback.objects.select_for_update().filter(article=article, voter=voter).first()
        if vote is None:
            try:
                with transaction.atomic():
                    vote = ArticleFeedback.objects.create(
                        article=article, voter=voter, user=user, helpful=helpful, comment=comment
                    )
            except IntegrityError:  # the same reader's parallel request won the insert
                vote = ArticleFeedback.objects.get(article=article, voter=voter)
                vote.helpful = helpful
                vote.comment = comment or vote.comment
                vote.save()
        else:
            vote.helpful = helpful
            if comment:
                vote.comment = comment
            if user is not None:
                vote.user = user
            vote.save()
        recount(article)
    transaction.on_commit(lambda: article_feedback_changed.send(sender=ArticlePage, article=article))
    return vote


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _reply(request: HttpRequest, article: ArticlePage, status: int, message: str, vote=None, level=messages.SUCCESS):
    if _wants_json(request):
        payload = {"ok": status < 400, "message": message}
        if vote is not None:
            payload.update(
                vote="yes" if vote.helpful else "no",
                has_comment=bool(vote.comment),
                helpful_yes=article.helpful_yes,
                helpful_no=article.helpful_no,
            )
        return JsonResponse(payload, status=status)
    messages.add_message(request, level, message)
    return redirect(article.url + "#kb-feedback")


def handle_feedback(request: HttpRequest, article: ArticlePage) -> HttpResponse:
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if getattr(request, "is_preview", False):
        return HttpResponseNotAllowed(["GET"])
    if is_limited(request, "kb-feedback", feedback_limit()):
        return _reply(
            request, article, 429,
            _("You have sent a lot of feedback in a short time. Please try again in a few minutes."),
            level=messages.ERROR,
        )
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        if "comment" in form.errors:
            message = _("Please keep your comment under %(limit)d characters.") % {"limit": COMMENT_MAX_LENGTH}
        else:
            message = _("Please choose Yes or No.")
        return _reply(request, article, 400, message, level=messages.ERROR)

    helpful = form.cleaned_data["helpful"] == "yes"
    comment = form.cleaned_data["comment"]
    user = request.user if request.user.is_authenticated else None
    vote = record_vote(article, _voter_key(request, create=True), helpful, comment, user=user)

    if helpful:
        message = _("Thank you! We're glad this article helped.")
    elif comment:
        message = _("Thank you for telling us what was missing. We read every comment.")
    else:
        message = _("Thank you for your feedback. What was missing or unclear? You can tell us below.")
    return _reply(request, article, 200, message, vote=vote)

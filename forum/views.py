"""Our forum views: thin subclasses of machina's views (wired in by forum/board_urls.py) plus the
actions machina doesn't have: accepted answers, helpful votes, reports, unsubscribe links, the
staff attention page and the Ask the community form's deflection endpoints."""

from collections import Counter
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import ListView, RedirectView
from machina.apps.forum import views as machina_forum_views
from machina.apps.forum_conversation import views as machina_views
from machina.apps.forum_member import views as machina_member_views
from machina.core.db.models import get_model
from machina.core.loading import get_class

from forum import conf, forms, notifications, services, spam
from forum.models import PostReport, PostVote
from helpcenter import page_cache
from search.backends import get_backend
from search.models import SearchEvent
from search.services import build_query
from tickets import deflection

Forum = get_model("forum", "Forum")
Post = get_model("forum_conversation", "Post")
Topic = get_model("forum_conversation", "Topic")
PermissionRequiredMixin = get_class("forum_permission.viewmixins", "PermissionRequiredMixin")

ASK_SOURCE = SearchEvent.Source.ASK_FORM
# Buttons and markers of the ask flow: never part of the draft carried through the step.
ASK_CONTROLS = frozenset({"csrfmiddlewaretoken", "confirmed", "edit", "js_suggestions", "preview", "solved_doc"})

TOPIC_FILTERS = {
    "solved": gettext_lazy("Solved"),
    "unsolved": gettext_lazy("Unsolved"),
    "unanswered": gettext_lazy("Unanswered"),
}


def topic_url(topic, post=None) -> str:
    url = reverse(
        "forum_conversation:topic",
        kwargs={"forum_slug": topic.forum.slug, "forum_pk": topic.forum_id, "slug": topic.slug, "pk": topic.pk},
    )
    if post is not None:
        url += f"?post={post.pk}#{post.pk}"
    return url


def filter_topics(queryset, status: str | None, language: str | None):
    """The list filters: solved / unsolved / unanswered, and the topic language."""
    if status == "solved":
        queryset = queryset.filter(info__accepted_post__isnull=False)
    elif status == "unsolved":
        queryset = queryset.filter(Q(info__isnull=True) | Q(info__accepted_post__isnull=True))
    elif status == "unanswered":
        queryset = queryset.filter(posts_count__lte=1)
    if language in services.LANGUAGE_CODES:
        queryset = queryset.filter(info__language=language)
    return queryset


# --- machina views, extended ----------------------------------------------------------------


ALL_LANGUAGES = "all"


class ForumView(machina_forum_views.ForumView):
    """A forum's topic list, with the solved/unsolved/unanswered and language filters. The list
    starts in the reader's language (`?lang=all` lists every language); the other languages'
    topics are counted and one click away."""

    def list_language(self) -> str:
        """The language listed: `?lang=`, else the reader's; "" for every language."""
        chosen = self.request.GET.get("lang", "")
        if chosen == ALL_LANGUAGES:
            return ""
        if chosen in services.LANGUAGE_CODES:
            return chosen
        reader = get_language()
        return reader if reader in services.LANGUAGE_CODES else ""

    def get_queryset(self):
        queryset = super().get_queryset().select_related("info")
        return filter_topics(queryset, self.request.GET.get("status"), self.list_language())

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["topic_filters"] = TOPIC_FILTERS
        context["current_status"] = self.request.GET.get("status", "")
        context["current_lang"] = self.list_language() or ALL_LANGUAGES
        context["languages"] = settings.LANGUAGES
        if context["current_lang"] != ALL_LANGUAGES:
            # How many topics (under the same status filter) the other languages hold.
            everything = filter_topics(super().get_queryset(), self.request.GET.get("status"), None)
            counts = dict(everything.values_list("info__language").annotate(n=Count("id")).order_by())
            context["other_languages"] = [
                (code, counts[code]) for code, _name in settings.LANGUAGES
                if code != context["current_lang"] and counts.get(code)
            ]
            context["all_languages_count"] = sum(n for code, n in counts.items() if code)
        return context


class VisibleTopicMixin:
    """machina serves a queued or disapproved topic to anyone who can read the forum (ids are
    sequential and slugs ignored, so titles could be enumerated): 404 unless the reader is its
    author or a moderator."""

    def dispatch(self, request, *args, **kwargs):
        topic = self.get_topic()
        # Readers without access to the forum at all get machina's own answer (login or 403).
        if services.can_read(request.user, topic.forum) and not services.can_see_topic(request.user, topic):
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class TopicView(VisibleTopicMixin, machina_views.TopicView):
    """A topic: the question, then the accepted answer, then replies by helpful votes."""

    def get(self, request, **kwargs):
        topic = self.get_topic()
        requested_post = request.GET.get("post", "")
        if requested_post.isdigit():
            # machina computes the page from the chronological position; ours follows our order.
            ordered_ids = list(self.get_queryset().values_list("pk", flat=True))
            if int(requested_post) in ordered_ids:
                index = ordered_ids.index(int(requested_post))
                request.GET = request.GET.copy()
                request.GET["page"] = str(index // self.paginate_by + 1)
        response = ListView.get(self, request, **kwargs)
        self.send_signal(request, response, topic)  # machina counts the view and tracks reading
        page_cache.on_hit(request, "forum.services.count_topic_view", topic.pk)  # cached answers count too
        return response

    def get_queryset(self):
        topic = self.get_topic()
        info = services.ensure_topic_info(topic)
        return (
            super()
            .get_queryset()
            .annotate(
                helpful_count=Count("helpful_votes", distinct=True),
                display_rank=Case(
                    When(pk=topic.first_post_id, then=Value(0)),
                    When(pk=info.accepted_post_id or 0, then=Value(1)),
                    default=Value(2),
                    output_field=IntegerField(),
                ),
            )
            .order_by("display_rank", "-helpful_count", "created", "pk")
            .prefetch_related("poster__groups")  # for the Staff / Moderator badge
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        topic = self.get_topic()
        user = self.request.user
        info = services.ensure_topic_info(topic)
        accepted = None
        if info.accepted_post_id:
            accepted = (
                Post.objects.filter(pk=info.accepted_post_id, approved=True)
                .select_related("poster")
                .first()
            )
        context["topic_info"] = info
        context["accepted_post"] = accepted
        # machina counts approved posts only: a queued topic has posts_count 0.
        context["reply_count"] = max(topic.posts_count - 1, 0)
        context["can_mark_solution"] = services.can_mark_solution(user, topic)
        forum = topic.forum
        may_vote_here = user.is_authenticated and services.has_forum_perm(user, forum, "can_reply_to_topics")
        may_report_here = user.is_authenticated and services.can_read(user, forum)
        voted = set()
        if user.is_authenticated:
            voted = set(
                PostVote.objects.filter(user=user, post__topic=topic).values_list("post_id", flat=True)
            )
        for post in context["posts"]:
            post.is_question = post.pk == topic.first_post_id
            post.is_accepted = post.pk == info.accepted_post_id
            post.user_voted = post.pk in voted
            post.user_can_vote = may_vote_here and not post.is_question and post.poster_id != user.pk
            post.user_can_report = may_report_here and post.poster_id != user.pk
        context["report_reasons"] = PostReport.Reason.choices
        return context


class NoAttachmentsMixin:
    """Attachments are disabled site-wide: no upload form, whatever the permissions say."""

    def get_attachment_formset(self, formset_class):
        return None


class PostingLimitMixin:
    """Rate limits on real submissions (not previews); the typed text stays in the form."""

    posting_action = "reply"

    def form_valid(self, post_form, attachment_formset, *args, **kwargs):
        if not self.preview:
            error = spam.posting_limit_error(self.request, self.posting_action)
            if error:
                post_form.add_error(None, error)
                messages.error(self.request, error)
                return self.form_invalid(post_form, attachment_formset, *args, **kwargs)
        # One transaction for the topic, post, subscriptions and notification rows: emails
        # go out only after it commits.
        with transaction.atomic():
            return super().form_valid(post_form, attachment_formset, *args, **kwargs)


MAX_SUBJECT_CHARS = 255  # machina's topic subject


def ask_form_url(forum, subject: str = "") -> str:
    """The ask form of `forum`, with the question typed elsewhere (a search) already filled in."""
    url = reverse("forum_conversation:topic_create", kwargs={"forum_slug": forum.slug, "forum_pk": forum.pk})
    subject = subject.strip()[:MAX_SUBJECT_CHARS]
    return f"{url}?{urlencode({'subject': subject})}" if subject else url


def forums_to_ask_in(request) -> list:
    """The forums the visitor may start a topic in, in the forum tree's order."""
    handler = request.forum_permission_handler
    forums = Forum.objects.filter(type=Forum.FORUM_POST).order_by("tree_id", "lft")
    return [forum for forum in forums if handler.can_add_topic(forum, request.user)]


def best_forum_for(request, subject: str, forums: list):
    """Where a question most likely belongs: the forum holding most of the threads search finds
    for it (the readable ones), else the first forum. The asker can still pick another."""
    if subject.strip():
        hits = get_backend().search(build_query(request, subject, kinds=("topic",), limit=10)).hits
        ids = {forum.pk for forum in forums}
        counts = Counter(hit.forum_id for hit in hits if hit.forum_id in ids)
        if counts:
            best = counts.most_common(1)[0][0]
            return next(forum for forum in forums if forum.pk == best)
    return forums[0]


class AskView(View):
    """"Ask the community" from anywhere (home, an article, a search that found nothing): one
    click to the ask form, with the question already typed (`?subject=`), in the forum its words
    belong to; the form links the other forums. Visitors who may not post log in first and come
    back here."""

    def get(self, request):
        subject = request.GET.get("subject", "")
        forums = forums_to_ask_in(request)
        if not forums:
            return _login_or_403(request)
        return HttpResponseRedirect(ask_form_url(best_forum_for(request, subject, forums), subject))


def ask_urls(forum) -> dict[str, str]:
    """The ask form's deflection endpoints for a forum (the live panel and the step post there)."""
    return {
        "ask_solved_url": reverse("support_forum:ask_solved", kwargs={"forum_pk": forum.pk}),
        "ask_event_url": reverse("support_forum:ask_event", kwargs={"forum_pk": forum.pk}),
    }


class TopicCreateView(PostingLimitMixin, NoAttachmentsMixin, machina_views.TopicCreateView):
    """Ask the community: before a topic is created the asker sees answers that may solve it,
    live while typing (static/tickets/deflect.js) or, without JavaScript, as a "Did one of these
    answer your question?" step that carries the whole draft; the same flow and events as the
    Contact support form (tickets/deflection.py, source "ask_form")."""

    post_form_class = forms.TopicForm
    posting_action = "topic"
    step_template_name = "forum_conversation/topic_deflect_step.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(ask_urls(self.get_forum()))
        context["ask_notices"] = deflection.notices_for_page()
        if self.request.method == "GET":
            # Posting somewhere else: the same question, in another forum's form.
            subject = self.request.GET.get("subject", "")
            context["other_forums"] = [
                (forum, ask_form_url(forum, subject))
                for forum in forums_to_ask_in(self.request) if forum.pk != self.get_forum().pk
            ]
        return context

    def get_post_form_kwargs(self):
        kwargs = super().get_post_form_kwargs()
        subject = self.request.GET.get("subject", "").strip()[:MAX_SUBJECT_CHARS]
        if self.request.method == "GET" and subject:
            kwargs["initial"] = {**kwargs.get("initial", {}), "subject": subject}
        return kwargs

    def form_valid(self, post_form, attachment_formset, poll_option_formset=None, **kwargs):
        if self.preview:
            return super().form_valid(post_form, attachment_formset, poll_option_formset, **kwargs)
        if self.request.POST.get("edit"):
            # Back from the step to the form, everything still filled in.
            return self.render_to_response(
                self.get_context_data(
                    post_form=post_form, attachment_formset=attachment_formset,
                    poll_option_formset=poll_option_formset, **kwargs,
                )
            )
        data = post_form.cleaned_data
        text = deflection.deflection_query(data.get("subject", ""), data.get("content", ""))
        if not self.request.POST.get("js_suggestions") and not self.request.POST.get("confirmed"):
            found = deflection.step_suggestions(self.request, text, source=ASK_SOURCE)
            if found is not None:
                return self.render_step(post_form, attachment_formset, poll_option_formset, *found, **kwargs)
        # Rate limits and the posting transaction: PostingLimitMixin, as for every topic.
        response = super().form_valid(post_form, attachment_formset, poll_option_formset, **kwargs)
        created = getattr(self, "forum_post", None)
        if created is not None:
            deflection.record(
                self.request,
                SearchEvent.Type.TOPIC_CREATED,
                source=ASK_SOURCE,
                query=text,
                doc_ids=[f"topic:{created.topic_id}"],
            )
        return response

    def render_step(self, post_form, attachment_formset, poll_option_formset, hits, notices, **kwargs):
        # The draft travels as the fields were posted (subject, message, language, poll, ...), so
        # "Continue" posts exactly what was typed and "Edit" refills the form.
        draft = [
            (name, value)
            for name, values in self.request.POST.lists()
            if name not in ASK_CONTROLS
            for value in values
        ]
        context = self.get_context_data(
            post_form=post_form, attachment_formset=attachment_formset,
            poll_option_formset=poll_option_formset, hits=hits, notices=notices, draft_fields=draft, **kwargs,
        )
        return render(self.request, self.step_template_name, context)


class TopicUpdateView(NoAttachmentsMixin, machina_views.TopicUpdateView):
    post_form_class = forms.TopicForm


class PostCreateView(VisibleTopicMixin, PostingLimitMixin, NoAttachmentsMixin, machina_views.PostCreateView):
    post_form_class = forms.PostForm


class PostUpdateView(NoAttachmentsMixin, machina_views.PostUpdateView):
    post_form_class = forms.PostForm


class UserPostsView(machina_member_views.UserPostsView):
    """A member's posts: machina lists queued (unapproved) posts too; only their author and the
    moderators of the forum may see those."""

    def get_queryset(self):
        queryset = super().get_queryset()
        user = self.request.user
        if user.is_authenticated and user.pk == self.poster.pk:
            return queryset
        moderated = self.request.forum_permission_handler.get_moderation_queue_forums(user) if (
            user.is_authenticated
        ) else []
        return queryset.filter(Q(approved=True) | Q(topic__forum__in=moderated))


class SearchRedirectView(RedirectView):
    """machina's own search page: every search box goes to our search instead."""

    def get_redirect_url(self, *args, **kwargs):
        url = reverse("search:search")
        query = self.request.GET.get("q", "")
        if query:
            url += "?" + urlencode({"q": query})
        return url


# --- our actions ----------------------------------------------------------------------------


def _login_or_403(request):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    raise PermissionDenied


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


class MarkSolutionView(View):
    """POST: mark a reply as the topic's solution, or (with `unmark`) remove the mark."""

    http_method_names = ("post",)

    def post(self, request, topic_pk: int):
        topic = get_object_or_404(Topic.objects.select_related("forum"), pk=topic_pk)
        if not services.can_mark_solution(request.user, topic):
            return _login_or_403(request)
        if "unmark" in request.POST:
            services.unaccept_answer(topic, request.user)
            messages.success(request, _("The topic is no longer marked as solved."))
            return HttpResponseRedirect(topic_url(topic))
        post_pk = request.POST.get("post", "")
        post = get_object_or_404(Post, pk=int(post_pk) if post_pk.isdigit() else 0, topic=topic)
        try:
            services.accept_answer(topic, post, request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return HttpResponseRedirect(topic_url(topic))
        messages.success(request, _("Marked as the solution. Thank you for closing the loop!"))
        return HttpResponseRedirect(topic_url(topic, post))


class HelpfulVoteView(View):
    """POST: toggle the user's "helpful" vote on a reply."""

    http_method_names = ("post",)

    def post(self, request, pk: int):
        post = get_object_or_404(Post.objects.select_related("topic", "topic__forum"), pk=pk)
        if not request.user.is_authenticated:
            return _login_or_403(request)
        if not services.can_read(request.user, post.topic.forum):
            raise PermissionDenied
        if not services.can_vote(request.user, post):
            message = _("You can't vote on your own post or on the question.")
            if _wants_json(request):
                return JsonResponse({"error": message}, status=403)
            messages.error(request, message)
            return HttpResponseRedirect(topic_url(post.topic, post))
        if spam.action_limited(request, "vote"):
            message = _("You are voting too fast. Please wait a little.")
            if _wants_json(request):
                return JsonResponse({"error": message}, status=429)
            messages.error(request, message)
            return HttpResponseRedirect(topic_url(post.topic, post))
        voted, count = services.toggle_vote(request.user, post)
        if _wants_json(request):
            return JsonResponse({"voted": voted, "count": count})
        return HttpResponseRedirect(topic_url(post.topic, post))


class ReportPostView(View):
    """GET: the report form; POST: record the report for the staff attention page."""

    template_name = "forum/report_post.html"

    def dispatch(self, request, *args, **kwargs):
        self.post_obj = get_object_or_404(
            Post.objects.select_related("topic", "topic__forum", "poster"), pk=kwargs["pk"]
        )
        if not request.user.is_authenticated:
            return _login_or_403(request)
        if not services.can_report(request.user, self.post_obj):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def _render(self, request, status=200, **extra):
        context = {
            "post": self.post_obj,
            "topic": self.post_obj.topic,
            "forum": self.post_obj.topic.forum,
            "reasons": PostReport.Reason.choices,
            **extra,
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request, pk: int):
        return self._render(request)

    def post(self, request, pk: int):
        reason = request.POST.get("reason", "")
        comment = request.POST.get("comment", "")
        if reason not in PostReport.Reason.values:
            return self._render(
                request, status=400, error=_("Choose why this post needs attention."), comment=comment
            )
        if spam.action_limited(request, "report"):
            return self._render(
                request, status=429, error=_("You have sent many reports. Please wait a little."),
                comment=comment, reason=reason,
            )
        _report, created = services.report_post(request.user, self.post_obj, reason, comment)
        if created:
            messages.success(request, _("Thank you. A moderator will look at this post."))
        else:
            messages.info(request, _("You have already reported this post; a moderator will look at it."))
        return HttpResponseRedirect(topic_url(self.post_obj.topic, self.post_obj))


@method_decorator(csrf_exempt, name="dispatch")  # the signed token is the credential (RFC 8058)
class UnsubscribeView(View):
    """One-click unsubscribe from a topic's emails, logged in or not.

    GET shows a one-button page (link scanners that fetch every URL in an email must not
    unsubscribe people); POST, from that button or a mail client's List-Unsubscribe-Post,
    unsubscribes.
    """

    template_name = "forum/unsubscribe.html"

    def dispatch(self, request, token: str):
        self.found = notifications.topic_for_token(token)
        if self.found is None:
            return render(request, self.template_name, {"invalid": True}, status=400)
        return super().dispatch(request, token)

    def get(self, request, token: str):
        user, topic = self.found
        return render(
            request, self.template_name,
            {"topic": topic, "subscribed": topic.subscribers.filter(pk=user.pk).exists()},
        )

    def post(self, request, token: str):
        user, topic = self.found
        topic.subscribers.remove(user)
        return render(request, self.template_name, {"topic": topic, "done": True})


class StaffRequiredMixin:
    """Moderators and support staff: those who may approve posts somewhere."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        handler = request.forum_permission_handler
        if not handler.can_access_moderation_queue(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class StaffAttentionView(StaffRequiredMixin, View):
    """Topics nobody has answered after N hours, and posts users reported."""

    template_name = "forum/staff_attention.html"

    def get(self, request):
        hours = conf.get("FORUM_UNANSWERED_HOURS")
        cutoff = timezone.now() - timedelta(hours=hours)
        forums = request.forum_permission_handler.get_moderation_queue_forums(request.user)
        unanswered = (
            Topic.objects.filter(forum__in=forums, approved=True, posts_count__lte=1, created__lte=cutoff)
            .exclude(status=Topic.TOPIC_LOCKED)
            .select_related("forum", "poster", "info")
            .order_by("created")
        )
        reports = (
            PostReport.objects.open()
            .filter(post__topic__forum__in=forums)
            .select_related("post", "post__topic", "post__topic__forum", "post__poster", "reporter")
        )
        queued = Post.objects.filter(topic__forum__in=forums, approved=False).count()
        unanswered_page = Paginator(unanswered, 25).get_page(request.GET.get("page"))
        return render(
            request, self.template_name,
            {
                "hours": hours,
                "unanswered": unanswered_page,
                "unanswered_count": unanswered_page.paginator.count,
                "reports": reports[:100],
                "report_count": reports.count(),
                "queued_count": queued,
            },
        )


class ResolveReportView(StaffRequiredMixin, View):
    http_method_names = ("post",)

    def post(self, request, pk: int):
        report = get_object_or_404(PostReport.objects.select_related("post__topic__forum"), pk=pk)
        if not request.forum_permission_handler.can_approve_posts(report.post.topic.forum, request.user):
            raise PermissionDenied
        # Resolving one report resolves every open report on the same post.
        for open_report in PostReport.objects.open().filter(post=report.post):
            open_report.resolve(request.user)
        messages.success(request, _("Report closed."))
        return HttpResponseRedirect(_safe_next(request, reverse("support_forum:staff_attention")))


# --- Ask the community: deflection endpoints ----------------------------------------------------


class AskDeflectionMixin(PermissionRequiredMixin):
    """Only for those who may start a topic in the forum, checked as machina checks its topic form
    (anonymous visitors without the permission are sent to log in; others get a 403)."""

    http_method_names = ("post",)
    permission_required = ["can_start_new_topics"]

    def get_controlled_object(self):
        if not hasattr(self, "forum"):
            self.forum = get_object_or_404(Forum, pk=self.kwargs["forum_pk"])
        return self.forum


class AskSolvedView(AskDeflectionMixin, View):
    """"This solved my problem" on the ask form: record the deflection, post nothing, drop the draft."""

    def post(self, request, forum_pk: int):
        forum = self.get_controlled_object()
        text = deflection.deflection_query(request.POST.get("subject", ""), request.POST.get("content", ""))
        deflection.record_solved(request, source=ASK_SOURCE, query=text)
        messages.success(
            request, _("Glad you found the answer! Nothing was posted, and your draft has been discarded.")
        )
        return HttpResponseRedirect(reverse("forum:forum", kwargs={"slug": forum.slug, "pk": forum.pk}))


class AskEventView(AskDeflectionMixin, View):
    """Events from the ask form's live panel (deflect.js): suggestions shown, one opened."""

    def post(self, request, forum_pk: int):
        return deflection.live_event(request, source=ASK_SOURCE)

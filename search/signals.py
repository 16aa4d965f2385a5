"""Signal receivers that keep the index fresh: every change to a searchable object writes an outbox
row after the change, in its transaction (see search/outbox.py), and schedules an immediate apply.
The pre-save / pre-delete receivers only write outbox.enqueue_crash_net's delayed row (and
remember what the change is about to move away from, such as a promoted article's old thread).

What is watched, and why:
- KB `ArticlePage`: pre/post save and delete, Wagtail's page_published / page_unpublished, page
  moves (the URL and visibility of the page and of everything under it change; Wagtail updates
  descendants with a queryset update, so their save signals don't fire), view restrictions
  (a restriction hides the page and its descendants), and kb's article_feedback_changed
  (helpfulness is a ranking signal; votes are queryset updates).
- machina `Topic` and `Post` (subject, question, replies, approval, moving to another forum),
  `forum.models.TopicInfo` (language, accepted answer) and `PostVote` (helpful votes), and `Forum`
  renames (topic URLs carry the forum slug).
- Forum permission changes (GroupForumPermission, UserForumPermission) need no reindexing:
  permissions are checked at query time against machina's permission handler, so a forum made
  private disappears from results on the very next search.
"""

from __future__ import annotations

from django.core.signals import request_finished, request_started
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from machina.core.db.models import get_model
from wagtail.models import Page, PageViewRestriction
from wagtail.signals import page_published, page_unpublished, post_page_move

from search import outbox
from search.documents import article_id, topic_id

Topic = get_model("forum_conversation", "Topic")
Post = get_model("forum_conversation", "Post")
Forum = get_model("forum", "Forum")


def _before(doc_ids: list[str], reason: str) -> None:
    """About to change: only the crash-net row (the change is not visible to a worker yet)."""
    outbox.enqueue_crash_net(doc_ids, reason)


def _changed(doc_ids: list[str], reason: str) -> None:
    """Changed: the row a worker applies, and an immediate apply after the change commits."""
    outbox.enqueue(doc_ids, reason)
    outbox.schedule(doc_ids)


# --- KB -----------------------------------------------------------------------------------------

def _article_descendants(page) -> list[str]:
    from kb.models import ArticlePage

    pks = ArticlePage.objects.filter(path__startswith=page.path).values_list("pk", flat=True)
    return [article_id(pk) for pk in pks]


def _article_docs(instance, previous: bool = False) -> list[str]:
    """The article and, when it was promoted from a forum thread, that thread (a promoted thread
    yields to its live article, so its own ranking changes with the article). With `previous`,
    also the thread the stored row points at (the link may be changing)."""
    doc_ids = [article_id(instance.pk)]
    topic_pks = {getattr(instance, "source_topic_id", None)}
    if previous and instance.pk:
        from kb.models import ArticlePage

        if hasattr(ArticlePage, "source_topic_id"):
            topic_pks.add(ArticlePage.objects.filter(pk=instance.pk).values_list("source_topic_id", flat=True).first())
    return doc_ids + [topic_id(pk) for pk in sorted(pk for pk in topic_pks if pk)]


def article_pre_save(sender, instance, raw=False, **kwargs):
    if instance.pk and not raw:
        docs = _article_docs(instance, previous=True)
        instance._search_docs_before_save = docs  # the thread it pointed at may be changing
        _before(docs, "article saved")


def article_post_save(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    docs = _article_docs(instance) + getattr(instance, "_search_docs_before_save", [])
    _changed(list(dict.fromkeys(docs)), "article saved")


def article_pre_delete(sender, instance, **kwargs):
    _before(_article_docs(instance), "article deleted")


def article_post_delete(sender, instance, **kwargs):
    _changed(_article_docs(instance), "article deleted")


def page_visibility_changed(sender, instance, **kwargs):
    from kb.models import ArticlePage

    if isinstance(instance, ArticlePage) or issubclass(sender, ArticlePage):
        reason = "article published" if "revision" in kwargs else "article unpublished"
        _changed(_article_docs(instance.specific if not isinstance(instance, ArticlePage) else instance), reason)


def page_moved(sender, instance, **kwargs):
    _changed(_article_descendants(instance), "page moved")


def restriction_changed(sender, instance, **kwargs):
    page = Page.objects.filter(pk=instance.page_id).first()
    if page is not None:
        _changed(_article_descendants(page), "view restriction changed")


def article_feedback_changed(sender, article, **kwargs):
    _changed([article_id(article.pk)], "article feedback")  # helpfulness only: the thread is unaffected


# --- forum --------------------------------------------------------------------------------------

def topic_pre_save(sender, instance, raw=False, **kwargs):
    if instance.pk and not raw:
        _before([topic_id(instance.pk)], "topic saved")


def topic_post_save(sender, instance, created, raw=False, **kwargs):
    if not raw:
        _changed([topic_id(instance.pk)], "topic saved")


def topic_pre_delete(sender, instance, **kwargs):
    _before([topic_id(instance.pk)], "topic deleted")


def topic_post_delete(sender, instance, **kwargs):
    _changed([topic_id(instance.pk)], "topic deleted")


def _topic_of(instance) -> list[str]:
    return [topic_id(instance.topic_id)] if getattr(instance, "topic_id", None) else []


def post_pre_save(sender, instance, raw=False, **kwargs):
    if not raw:
        _before(_topic_of(instance), "post saved")


def post_post_save(sender, instance, raw=False, **kwargs):
    if not raw:
        _changed(_topic_of(instance), "post saved")


def post_pre_delete(sender, instance, **kwargs):
    _before(_topic_of(instance), "post deleted")


def post_post_delete(sender, instance, **kwargs):
    _changed(_topic_of(instance), "post deleted")


def topic_info_before(sender, instance, raw=False, **kwargs):
    if not raw:
        _before(_topic_of(instance), "topic info")


def topic_info_after(sender, instance, raw=False, **kwargs):
    if not raw:
        _changed(_topic_of(instance), "topic info")


def _topic_of_vote(instance) -> list[str]:
    topic_pk = Post.objects.filter(pk=instance.post_id).values_list("topic_id", flat=True).first()
    return [topic_id(topic_pk)] if topic_pk else []


def vote_before(sender, instance, raw=False, **kwargs):
    if not raw:
        _before(_topic_of_vote(instance), "helpful vote")


def vote_after(sender, instance, raw=False, **kwargs):
    if not raw:
        _changed(_topic_of_vote(instance), "helpful vote")


def forum_pre_save(sender, instance, raw=False, **kwargs):
    instance._search_renamed_topics = []
    if raw or not instance.pk:
        return
    old = Forum.objects.filter(pk=instance.pk).values_list("slug", flat=True).first()
    if old is not None and old != instance.slug:
        pks = Topic.objects.filter(forum_id=instance.pk).values_list("pk", flat=True)
        instance._search_renamed_topics = [topic_id(pk) for pk in pks]
        _before(instance._search_renamed_topics, "forum renamed")


def forum_post_save(sender, instance, raw=False, **kwargs):
    renamed = getattr(instance, "_search_renamed_topics", [])
    if renamed and not raw:
        _changed(renamed, "forum renamed")


def connect() -> None:
    from forum.models import PostVote, TopicInfo
    from kb.models import ArticlePage

    uid = "search."
    pre_save.connect(article_pre_save, sender=ArticlePage, dispatch_uid=uid + "article_pre_save")
    post_save.connect(article_post_save, sender=ArticlePage, dispatch_uid=uid + "article_post_save")
    pre_delete.connect(article_pre_delete, sender=ArticlePage, dispatch_uid=uid + "article_pre_delete")
    post_delete.connect(article_post_delete, sender=ArticlePage, dispatch_uid=uid + "article_post_delete")
    page_published.connect(page_visibility_changed, dispatch_uid=uid + "page_published")
    page_unpublished.connect(page_visibility_changed, dispatch_uid=uid + "page_unpublished")
    post_page_move.connect(page_moved, dispatch_uid=uid + "page_moved")
    post_save.connect(restriction_changed, sender=PageViewRestriction, dispatch_uid=uid + "restriction_saved")
    post_delete.connect(restriction_changed, sender=PageViewRestriction, dispatch_uid=uid + "restriction_deleted")
    try:
        from kb.signals import article_feedback_changed as feedback_signal
    except ImportError:  # pragma: no cover - the KB app always has it
        feedback_signal = None
    if feedback_signal is not None:
        feedback_signal.connect(article_feedback_changed, dispatch_uid=uid + "article_feedback")

    pre_save.connect(topic_pre_save, sender=Topic, dispatch_uid=uid + "topic_pre_save")
    post_save.connect(topic_post_save, sender=Topic, dispatch_uid=uid + "topic_post_save")
    pre_delete.connect(topic_pre_delete, sender=Topic, dispatch_uid=uid + "topic_pre_delete")
    post_delete.connect(topic_post_delete, sender=Topic, dispatch_uid=uid + "topic_post_delete")
    pre_save.connect(post_pre_save, sender=Post, dispatch_uid=uid + "post_pre_save")
    post_save.connect(post_post_save, sender=Post, dispatch_uid=uid + "post_post_save")
    pre_delete.connect(post_pre_delete, sender=Post, dispatch_uid=uid + "post_pre_delete")
    post_delete.connect(post_post_delete, sender=Post, dispatch_uid=uid + "post_post_delete")
    for model, before, after, name in ((TopicInfo, topic_info_before, topic_info_after, "info"),
                                       (PostVote, vote_before, vote_after, "vote")):
        pre_save.connect(before, sender=model, dispatch_uid=f"{uid}{name}_pre_save")
        post_save.connect(after, sender=model, dispatch_uid=f"{uid}{name}_post_save")
        pre_delete.connect(before, sender=model, dispatch_uid=f"{uid}{name}_pre_delete")
        post_delete.connect(after, sender=model, dispatch_uid=f"{uid}{name}_post_delete")
    pre_save.connect(forum_pre_save, sender=Forum, dispatch_uid=uid + "forum_pre_save")
    post_save.connect(forum_post_save, sender=Forum, dispatch_uid=uid + "forum_post_save")

    request_started.connect(outbox.request_started, dispatch_uid=uid + "request_started")
    request_finished.connect(outbox.request_finished, dispatch_uid=uid + "request_finished")

"""Signal receivers that keep our data in step with machina's, whatever path changed it
(our views, machina's moderation views, the admin, the demo loader)."""

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from machina.core.db.models import get_model

from forum import notifications, services

Post = get_model("forum_conversation", "Post")
Topic = get_model("forum_conversation", "Topic")


@receiver(post_save, sender=Topic, dispatch_uid="support_forum_topic_info")
def create_topic_info(sender, instance, created, raw=False, **kwargs):
    """Every topic has a TopicInfo (language, accepted answer)."""
    if created and not raw:
        services.ensure_topic_info(instance)


@receiver(pre_save, sender=Post, dispatch_uid="support_forum_post_becomes_visible")
def note_post_becoming_visible(sender, instance, raw=False, **kwargs):
    """Remember whether this save publishes the post: a new approved post, or an approval."""
    if raw:
        instance._support_forum_published = False
        return
    if instance.pk is None:
        instance._support_forum_published = bool(instance.approved)
        return
    was_approved = Post.objects.filter(pk=instance.pk).values_list("approved", flat=True).first()
    instance._support_forum_published = bool(instance.approved) and was_approved is False


@receiver(post_save, sender=Post, dispatch_uid="support_forum_post_saved")
def follow_and_notify(sender, instance, created, raw=False, **kwargs):
    """Posting follows the topic (as on Discourse); a published reply notifies followers."""
    if raw:
        return
    if created and instance.poster_id is not None:
        instance.topic.subscribers.add(instance.poster_id)
    if getattr(instance, "_support_forum_published", False) and services.is_reply(instance):
        notifications.queue_reply(instance)

"""Django admin (/django-admin/) for our forum data, next to machina's forum admin."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from forum import notifications, permissions
from forum.models import (
    NotificationEmail,
    PostReport,
    PostVote,
    PrivateForum,
    TopicInfo,
)


@admin.register(PrivateForum)
class PrivateForumAdmin(admin.ModelAdmin):
    list_display = ("forum",)
    filter_horizontal = ("groups",)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The groups are saved now; turn the row into machina permissions.
        permissions.apply_forum_privacy(form.instance.forum)

    def delete_model(self, request, obj):
        permissions.make_forum_public(obj.forum)

    def delete_queryset(self, request, queryset):
        for privacy in queryset.select_related("forum"):
            permissions.make_forum_public(privacy.forum)


@admin.register(TopicInfo)
class TopicInfoAdmin(admin.ModelAdmin):
    list_display = ("topic", "language", "accepted_post", "solved_at")
    list_filter = ("language",)
    raw_id_fields = ("topic", "accepted_post", "accepted_by")
    search_fields = ("topic__subject",)


@admin.register(PostVote)
class PostVoteAdmin(admin.ModelAdmin):
    list_display = ("post", "user", "created_at")
    raw_id_fields = ("post", "user")


@admin.register(PostReport)
class PostReportAdmin(admin.ModelAdmin):
    list_display = ("post", "reason", "reporter", "created_at", "resolved_at")
    list_filter = ("reason",)
    raw_id_fields = ("post", "reporter", "resolved_by")


@admin.register(NotificationEmail)
class NotificationEmailAdmin(admin.ModelAdmin):
    list_display = ("kind", "recipient", "topic", "status", "attempts", "next_attempt_at", "sent_at")
    list_filter = ("status", "kind")
    raw_id_fields = ("recipient", "topic", "post")
    readonly_fields = ("dedupe_key", "last_error", "created_at", "sent_at")
    actions = ("retry_now",)

    @admin.action(description=_("Retry sending now"))
    def retry_now(self, request, queryset):
        from django.utils import timezone

        rows = list(queryset.exclude(status=NotificationEmail.Status.SENT))
        for row in rows:
            row.status = NotificationEmail.Status.PENDING
            row.next_attempt_at = timezone.now()
            row.save(update_fields=["status", "next_attempt_at"])
        report = notifications.deliver(ids=[row.pk for row in rows])
        messages.info(request, str(report))

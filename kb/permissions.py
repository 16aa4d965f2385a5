"""Who may do what with reader feedback in the Wagtail admin."""

from wagtail.permission_policies import ModelPermissionPolicy

READ_ONLY_ACTIONS = frozenset({"add", "change"})


class FeedbackPermissionPolicy(ModelPermissionPolicy):
    """Readers write feedback; staff may view and delete it (spam), never add or edit it."""

    def user_has_permission(self, user, action):
        if action in READ_ONLY_ACTIONS:
            return False
        return super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        return super().users_with_any_permission([a for a in actions if a not in READ_ONLY_ACTIONS])

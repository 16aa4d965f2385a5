"""Wagtail admin's user create/edit forms with our profile fields (display name, preferred
language). The templates in accounts/templates/wagtailusers/users/ render the two fields."""

from wagtail.users.forms import UserCreationForm, UserEditForm
from wagtail.users.views.users import UserViewSet as WagtailUserViewSet

PROFILE_FIELDS = {"display_name", "preferred_language"}


class ProfileFieldsMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Our sign-up asks for a display name, not first/last names; Wagtail requires
        # them by default, which would block staff from editing any self-registered user.
        for name in ("first_name", "last_name"):
            if name in self.fields:
                self.fields[name].required = False


class AccountsUserEditForm(ProfileFieldsMixin, UserEditForm):
    class Meta(UserEditForm.Meta):
        fields = UserEditForm.Meta.fields | PROFILE_FIELDS


class AccountsUserCreationForm(ProfileFieldsMixin, UserCreationForm):
    class Meta(UserCreationForm.Meta):
        fields = UserCreationForm.Meta.fields | PROFILE_FIELDS


class UserViewSet(WagtailUserViewSet):
    def get_form_class(self, for_update=False):
        return AccountsUserEditForm if for_update else AccountsUserCreationForm

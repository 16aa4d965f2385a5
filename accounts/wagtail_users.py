"""The Wagtail users app, with our user forms (see accounts/wagtail_viewsets.py).

Wagtail 6+ customises user forms through the users app's viewset: settings list
`accounts.wagtail_users.UsersAppConfig` instead of `wagtail.users`. This module is imported
while apps load, so it must not import models; it is also kept out of accounts/apps.py so
that module keeps a single AppConfig.
"""

from wagtail.users.apps import WagtailUsersAppConfig


class UsersAppConfig(WagtailUsersAppConfig):
    user_viewset = "accounts.wagtail_viewsets.UserViewSet"

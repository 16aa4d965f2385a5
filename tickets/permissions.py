"""Who counts as support staff. One definition, used by the site views, the admin queue and
the services (a staff reply counts as a first response; a customer's does not)."""

from accounts import roles


def is_support_staff(user) -> bool:
    """Active users in the "Support staff" group, staff users and superusers."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser or user.is_staff:
        return True
    # Cache on the user object: templates and querysets ask more than once per request.
    cached = getattr(user, "_is_support_staff", None)
    if cached is None:
        cached = user.groups.filter(name=roles.SUPPORT_STAFF).exists()
        user._is_support_staff = cached
    return cached


def support_staff_users():
    """Everyone a ticket may be assigned to."""
    from django.contrib.auth import get_user_model
    from django.db.models import Q

    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(is_staff=True) | Q(is_superuser=True) | Q(groups__name=roles.SUPPORT_STAFF))
        .distinct()
        .order_by("username")
    )

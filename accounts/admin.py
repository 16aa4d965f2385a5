from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    """Django's user admin plus our profile fields."""

    fieldsets = DjangoUserAdmin.fieldsets + (
        (_("Help center profile"), {"fields": ("display_name", "preferred_language")}),
    )
    add_fieldsets = DjangoUserAdmin.add_fieldsets + (
        (_("Help center profile"), {"fields": ("email", "display_name", "preferred_language")}),
    )
    list_display = ("username", "email", "display_name", "preferred_language", "is_staff", "is_active")
    list_filter = DjangoUserAdmin.list_filter + ("preferred_language",)
    search_fields = ("username", "email", "display_name", "first_name", "last_name")

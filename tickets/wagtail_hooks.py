"""Registers the staff ticket queue and the deflection dashboard in the Wagtail admin."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permissions import register_permission_policy

from tickets.admin_views import (
    SupportStaffPermissionPolicy,
    TicketFilterSet,
    TicketIndexView,
    TicketsAttentionPanel,
    TicketStaffView,
)
from tickets.analytics_views import DeflectionDashboardView
from tickets.models import Ticket
from tickets.permissions import is_support_staff

# Before the viewset is registered: it looks the policy up when it registers its permissions.
register_permission_policy(Ticket, SupportStaffPermissionPolicy(Ticket))


class TicketViewSet(ModelViewSet):
    model = Ticket
    # Not "tickets": that is the site's URL namespace (/<lang>/support/).
    name = "support_tickets"
    icon = "help"
    menu_label = _("Support tickets")
    menu_order = 150
    add_to_admin_menu = True
    index_view_class = TicketIndexView
    filterset_class = TicketFilterSet
    copy_view_enabled = False
    inspect_view_enabled = False
    list_per_page = 50
    ordering = "due_at"

    def get_urlpatterns(self):
        # Only the queue and our own ticket page: tickets are opened by customers on the site
        # and are never deleted, so the generic add/edit/delete views are not offered.
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path(
                "<int:pk>/",
                TicketStaffView.as_view(index_url_name=self.get_url_name("index")),
                name="edit",
            ),
        ]


ticket_viewset = TicketViewSet()


@hooks.register("register_admin_viewset")
def register_ticket_viewset():
    return ticket_viewset


@hooks.register("construct_homepage_panels")
def add_tickets_attention_panel(request, panels):
    if is_support_staff(request.user):
        panels.append(TicketsAttentionPanel(request))


# --- Deflection dashboard ---------------------------------------------------------------


class SupportStaffMenuItem(MenuItem):
    def is_shown(self, request):
        return is_support_staff(request.user)


@hooks.register("register_admin_urls")
def register_deflection_dashboard_url():
    return [path("deflection/", DeflectionDashboardView.as_view(), name="deflection_dashboard")]


@hooks.register("register_admin_menu_item")
def register_deflection_dashboard_menu_item():
    return SupportStaffMenuItem(
        _("Deflection dashboard"), reverse("deflection_dashboard"), icon_name="view", order=151
    )

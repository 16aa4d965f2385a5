"""The staff side of tickets, inside the Wagtail admin: the queue (sorted by due time, filtered
by status, severity, assignee and breach) and one ticket's page (reply, internal note, assign,
change status or severity)."""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Case, F, IntegerField, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from wagtail.admin import messages
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.components import Component
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.generic import IndexView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.permission_policies.base import BasePermissionPolicy

from tickets import services
from tickets.forms import StaffReplyForm, StaffUpdateForm
from tickets.models import InvalidTransition, Severity, Status, Ticket, parse_reference
from tickets.permissions import is_support_staff, support_staff_users


class SupportStaffPermissionPolicy(BasePermissionPolicy):
    """Support staff view and work on tickets in the admin. Nobody creates tickets there (customers
    open them on the site) and nobody deletes them (they are the support record)."""

    STAFF_ACTIONS = frozenset({"view", "change"})

    def user_has_permission(self, user, action) -> bool:
        return action in self.STAFF_ACTIONS and is_support_staff(user)

    def users_with_any_permission(self, actions):
        if self.STAFF_ACTIONS & set(actions):
            return support_staff_users()
        return get_user_model().objects.none()


# --- The queue --------------------------------------------------------------------------

BREACH_CHOICES = [
    ("any", _("Any target breached")),
    ("first_response", _("First response breached")),
    ("resolution", _("Resolution breached")),
    ("unattended", _("Unattended over 24 hours")),
    ("due_soon", _("Due within an hour")),
    ("none", _("Within targets")),
]


def _assignee_choices():
    choices = [("me", _("Me")), ("none", _("Unassigned"))]
    choices += [(str(user.pk), user.get_display_name()) for user in support_staff_users()]
    return choices


class TicketFilterSet(WagtailFilterSet):
    status = django_filters.MultipleChoiceFilter(
        label=_("Status"), choices=Status.choices, widget=forms.CheckboxSelectMultiple
    )
    severity = django_filters.MultipleChoiceFilter(
        label=_("Severity"), choices=Severity.choices, widget=forms.CheckboxSelectMultiple
    )
    assignee = django_filters.ChoiceFilter(
        label=_("Assignee"), choices=_assignee_choices, method="filter_assignee", empty_label=_("Anyone")
    )
    breached = django_filters.ChoiceFilter(
        label=_("Response-time targets"), choices=BREACH_CHOICES, method="filter_breached", empty_label=_("All")
    )

    class Meta:
        model = Ticket
        fields = ("status", "severity", "assignee", "breached")

    def filter_assignee(self, queryset, name, value):
        if value == "me":
            return queryset.filter(assignee=self.request.user)
        if value == "none":
            return queryset.filter(assignee__isnull=True)
        return queryset.filter(assignee_id=value)

    def filter_breached(self, queryset, name, value):
        now = timezone.now()
        if value == "any":
            return queryset.breached(now)
        if value == "first_response":
            return queryset.first_response_breached(now)
        if value == "resolution":
            return queryset.resolution_breached(now)
        if value == "unattended":
            return queryset.unattended(now)
        if value == "due_soon":
            return queryset.due_soon(now=now)
        if value == "none":
            return queryset.exclude(pk__in=Ticket.objects.breached(now).values("pk"))
        return queryset


class StatusColumn(Column):
    cell_template_name = "tickets/admin/status_cell.html"


class DueColumn(Column):
    """The next due time with the breach flags staff act on."""

    cell_template_name = "tickets/admin/due_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        now = parent_context.get("now") or timezone.now()
        context.update(
            {
                "ticket": instance,
                "now": now,
                "first_response_breached": instance.first_response_breached(now),
                "resolution_breached": instance.resolution_breached(now),
                "unattended": instance.is_unattended(now),
            }
        )
        return context


class TicketIndexView(IndexView):
    """The staff queue: most urgent due time first; resolved and closed tickets last."""

    template_name = "tickets/admin/index.html"
    default_ordering = "due_at"
    page_title = _("Support tickets")
    search_fields = ("subject", "description", "product", "customer__username", "customer__email")

    def get_base_queryset(self):
        # Severity sorts by urgency, not alphabetically.
        severity_rank = Case(
            *[When(severity=value, then=rank) for rank, value in enumerate(Severity.values)],
            output_field=IntegerField(),
        )
        return (
            Ticket.objects.with_next_due()
            .annotate(severity_rank=severity_rank)
            .select_related("customer", "assignee")
        )

    def search_queryset(self, queryset):
        # A reference (HC-000123) finds that ticket directly.
        if self.is_searching and (pk := parse_reference(self.search_query)) is not None:
            return queryset.filter(pk=pk)
        return super().search_queryset(queryset)

    def order_queryset(self, queryset):
        if self.ordering in ("due_at", "-due_at"):
            due = F("due_at")
            order = due.asc(nulls_last=True) if self.ordering == "due_at" else due.desc(nulls_last=True)
            return queryset.order_by(order, "-created_at")
        return super().order_queryset(queryset)

    @cached_property
    def columns(self):
        return [
            self._get_title_column("subject", width="26%"),
            Column("reference", label=_("Reference"), sort_key="id", width="8%"),
            Column(
                "customer",
                label=_("Customer"),
                accessor=lambda t: t.customer.get_display_name(),
                width="11%",
            ),
            StatusColumn("severity", label=_("Severity"), accessor="severity_label", sort_key="severity_rank", width="7%"),
            StatusColumn("status", label=_("Status"), accessor="get_status_display", sort_key="status", width="9%"),
            Column(
                "assignee",
                label=_("Assignee"),
                accessor=lambda t: t.assignee.get_display_name() if t.assignee_id else "",
                width="9%",
            ),
            DueColumn("due_at", label=_("Next due"), sort_key="due_at", width="20%"),
            DateColumn("created_at", label=_("Opened"), sort_key="created_at", width="10%"),
        ]

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["now"] = timezone.now()
        return context


# --- One ticket -------------------------------------------------------------------------


class TicketStaffView(WagtailAdminTemplateMixin, View):
    """Everything staff do on one ticket: read the thread with internal notes, reply or add a
    note, assign, change status or severity."""

    template_name = "tickets/admin/ticket.html"
    header_icon = "help"
    index_url_name = ""

    def dispatch(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not is_support_staff(request.user):
            raise PermissionDenied
        self.ticket = get_object_or_404(Ticket.objects.select_related("customer", "assignee"), pk=pk)
        return super().dispatch(request, pk)

    def get_page_title(self) -> str:
        return self.ticket.reference

    def get_page_subtitle(self) -> str:
        return self.ticket.subject

    def get_breadcrumbs_items(self):
        return self.breadcrumbs_items + [
            {"url": reverse(self.index_url_name), "label": gettext("Support tickets")},
            {"url": "", "label": self.ticket.reference},
        ]

    def _url(self, anchor: str = "") -> str:
        return reverse("support_tickets:edit", args=[self.ticket.pk]) + (f"#{anchor}" if anchor else "")

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self.render(
            StaffReplyForm(ticket=self.ticket), StaffUpdateForm(ticket=self.ticket)
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        action = request.POST.get("action")
        reply_form = StaffReplyForm(ticket=self.ticket)
        update_form = StaffUpdateForm(ticket=self.ticket)
        status = 200
        if action == "reply":
            reply_form = StaffReplyForm(request.POST, ticket=self.ticket)
            if reply_form.is_valid():
                data = reply_form.cleaned_data
                try:
                    message = services.staff_reply(
                        self.ticket,
                        request.user,
                        data["body"],
                        internal=data["internal"],
                        new_status=data["status"] or None,
                    )
                except InvalidTransition as exc:
                    reply_form.add_error(None, str(exc))
                else:
                    if data["internal"]:
                        messages.success(request, gettext("Internal note added."))
                    else:
                        messages.success(request, gettext("Reply sent to the customer."))
                    return redirect(self._url(f"message-{message.pk}"))
            status = 400
        elif action == "update":
            update_form = StaffUpdateForm(request.POST, ticket=self.ticket)
            if update_form.is_valid():
                data = update_form.cleaned_data
                try:
                    changes = services.staff_update(
                        self.ticket,
                        request.user,
                        status=data["status"],
                        assignee=data["assignee"],
                        severity=data["severity"],
                    )
                except InvalidTransition as exc:
                    update_form.add_error("status", str(exc))
                else:
                    if changes:
                        messages.success(request, gettext("Ticket updated."))
                    else:
                        messages.info(request, gettext("Nothing changed."))
                    return redirect(self._url())
            status = 400
        else:
            status = 400
            messages.error(request, gettext("Unknown action."))
        return self.render(reply_form, update_form, status=status)

    def render(self, reply_form, update_form, status: int = 200) -> HttpResponse:
        now = timezone.now()
        ticket = self.ticket
        context = self.get_context_data(
            ticket=ticket,
            ticket_messages=ticket.messages.select_related("author"),
            reply_form=reply_form,
            update_form=update_form,
            now=now,
            first_response_breached=ticket.first_response_breached(now),
            resolution_breached=ticket.resolution_breached(now),
            unattended=ticket.is_unattended(now),
            customer_url=ticket.get_absolute_url(),
            other_tickets=Ticket.objects.filter(customer=ticket.customer).exclude(pk=ticket.pk)[:10],
        )
        return self.render_to_response(context, status=status)


# --- Admin dashboard --------------------------------------------------------------------


class TicketsAttentionPanel(Component):
    """On the admin home page: the tickets staff should look at first (breached, unattended,
    due within the hour), most urgent first."""

    name = "tickets_attention"
    template_name = "tickets/admin/home_panel.html"
    order = 90  # above Wagtail's own panels
    LIMIT = 10

    def __init__(self, request: HttpRequest):
        self.request = request

    def get_context_data(self, parent_context):
        context = super().get_context_data(parent_context)
        now = timezone.now()
        active = Ticket.objects.active()
        urgent_ids = (
            set(active.breached(now).values_list("pk", flat=True))
            | set(active.unattended(now).values_list("pk", flat=True))
            | set(active.due_soon(now=now).values_list("pk", flat=True))
        )
        urgent = Ticket.objects.filter(pk__in=urgent_ids).queue_order().select_related("customer", "assignee")
        tickets = list(urgent[: self.LIMIT])
        for ticket in tickets:
            ticket.flags = {
                "first_response_breached": ticket.first_response_breached(now),
                "resolution_breached": ticket.resolution_breached(now),
                "unattended": ticket.is_unattended(now),
            }
        context.update(
            {
                "tickets": tickets,
                "now": now,
                "open_count": active.count(),
                "breached_count": active.breached(now).count(),
                "unattended_count": active.unattended(now).count(),
                "queue_url": reverse("support_tickets:index"),
            }
        )
        return context

"""The customer side of tickets: Contact support (open a ticket, list mine) and one ticket's
conversation. Staff work in the Wagtail admin (tickets/admin_views.py)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from helpcenter import ratelimit
from search.models import SearchEvent
from tickets import deflection, services
from tickets.forms import ReplyForm, TicketForm
from tickets.models import (
    SEVERITY_SHORT_LABELS,
    InvalidTransition,
    Severity,
    Ticket,
    parse_reference,
)
from tickets.permissions import is_support_staff

# Per user. Generous for a real customer, tight enough to stop a script flooding the queue.
CREATE_LIMIT = ratelimit.Limit(count=5, seconds=3600)
REPLY_LIMIT = ratelimit.Limit(count=30, seconds=3600)
TICKETS_PER_PAGE = 20
SOURCE = SearchEvent.Source.TICKET_FORM


def sla_targets() -> list[dict]:
    """The published first-response targets, for the Contact support page."""
    return [
        {
            "severity": value,
            "label": SEVERITY_SHORT_LABELS[value],
            "description": label,
            "first_response": settings.TICKET_SLA[value]["first_response"],
            "resolution": settings.TICKET_SLA[value]["resolution"],
        }
        for value, label in Severity.choices
    ]


def _current_language() -> str:
    return (get_language() or "en").split("-")[0]


def contact(request: HttpRequest) -> HttpResponse:
    """Contact support: open a ticket and see your tickets; visitors are asked to log in.

    Before a ticket is created the customer sees answers that may solve it: live while typing
    (deflect.js), or without JavaScript as a "Did one of these answer your question?" step.
    """
    if not request.user.is_authenticated:
        return render(request, "tickets/contact_anonymous.html", {"next": request.get_full_path()})

    status = 200
    if request.method == "POST":
        form = TicketForm(request.POST)
        if request.POST.get("edit"):
            pass  # back from the suggestions step to the form, everything still filled in
        elif form.is_valid():
            data = form.cleaned_data
            text = deflection.deflection_query(data["subject"], data["description"])
            seen_live = bool(request.POST.get("js_suggestions"))
            if not seen_live and not request.POST.get("confirmed"):
                step = _suggestions_step(request, form, text)
                if step is not None:
                    return step
            if ratelimit.is_limited(request, "tickets:create", CREATE_LIMIT):
                # Keep everything they typed: the form is shown again, bound to their input.
                form.add_error(
                    None,
                    _(
                        "You have opened several tickets in a short time. Please wait a while "
                        "before opening another one — what you typed is kept below. If this is "
                        "about an existing ticket, reply there instead."
                    ),
                )
                status = 429
            else:
                ticket = services.open_ticket(
                    request.user,
                    subject=data["subject"],
                    description=data["description"],
                    severity=data["severity"],
                    product=data["product"],
                    language=data["language"],
                )
                deflection.record(
                    request,
                    SearchEvent.Type.TICKET_OPENED,
                    source=SOURCE,
                    query=text,
                    doc_ids=[f"ticket:{ticket.reference}"],
                )
                messages.success(
                    request,
                    _("Ticket %(reference)s is open. We will email you when we reply.")
                    % {"reference": ticket.reference},
                )
                return redirect(ticket)
    else:
        form = TicketForm(
            initial={
                "subject": " ".join(request.GET.get("subject", "").split())[:200],
                "language": _current_language(),
            }
        )

    own = Ticket.objects.filter(customer=request.user).order_by("-created_at")
    page = Paginator(own, TICKETS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "tickets/contact.html",
        {
            "form": form,
            "tickets_page": page,
            "is_staff": is_support_staff(request.user),
            "sla_targets": sla_targets(),
            "notices": deflection.notices_for_page(),
        },
        status=status,
    )


def _suggestions_step(request: HttpRequest, form: TicketForm, text: str) -> HttpResponse | None:
    """The no-JavaScript deflection step; None when there is nothing to suggest."""
    found = deflection.step_suggestions(request, text, source=SOURCE)
    if found is None:
        return None
    hits, notices = found
    return render(
        request,
        "tickets/deflect_step.html",
        {"form": form, "hits": hits, "notices": notices, "query": text},
    )


@require_POST
def deflected(request: HttpRequest) -> HttpResponse:
    """"This solved my problem": record the deflection, create nothing, drop the draft."""
    if not request.user.is_authenticated:
        return redirect("tickets:contact")
    text = deflection.deflection_query(request.POST.get("subject", ""), request.POST.get("description", ""))
    deflection.record_solved(request, source=SOURCE, query=text)
    messages.success(
        request,
        _("Glad you found the answer! Nothing was sent, and your draft has been discarded."),
    )
    return redirect("tickets:contact")


@require_POST
def deflection_event(request: HttpRequest) -> JsonResponse:
    """Events from the live suggestions (deflect.js): suggestions shown, a suggestion opened."""
    return deflection.live_event(request, source=SOURCE)


def _get_ticket_for(request: HttpRequest, reference: str) -> Ticket:
    """The ticket if this user may see it; a 404 otherwise (never reveal that it exists)."""
    pk = parse_reference(reference)
    if pk is None:
        raise Http404
    queryset = Ticket.objects.visible_to(request.user).select_related("customer", "assignee")
    return get_object_or_404(queryset, pk=pk)


def detail(request: HttpRequest, reference: str) -> HttpResponse:
    """One ticket's conversation, as the customer sees it (internal notes never shown)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    ticket = _get_ticket_for(request, reference)
    is_owner = ticket.customer_id == request.user.pk

    status = 200
    form = ReplyForm()
    if request.method == "POST":
        if not is_owner:
            raise Http404  # staff answer from the admin, where internal notes and status live
        form = ReplyForm(request.POST)
        if not ticket.accepts_replies:
            form.add_error(None, _("This ticket is closed. Please open a new ticket; what you typed is kept below."))
            status = 400
        elif form.is_valid():
            if ratelimit.is_limited(request, "tickets:reply", REPLY_LIMIT):
                form.add_error(
                    None,
                    _("You are sending replies very quickly. Please wait a few minutes and send again — your text is kept below."),
                )
                status = 429
            else:
                try:
                    services.customer_reply(ticket, request.user, form.cleaned_data["body"])
                except InvalidTransition:
                    form.add_error(None, _("This ticket is closed. Please open a new ticket."))
                    status = 400
                else:
                    messages.success(request, _("Your reply was sent."))
                    return redirect(ticket)

    context = {
        "ticket": ticket,
        "ticket_messages": ticket.messages.public().select_related("author"),
        "form": form,
        "is_owner": is_owner,
        "is_staff": is_support_staff(request.user),
    }
    return render(request, "tickets/detail.html", context, status=status)


@require_POST
def resolve(request: HttpRequest, reference: str) -> HttpResponse:
    """The customer marks their ticket resolved."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    ticket = _get_ticket_for(request, reference)
    if ticket.customer_id != request.user.pk:
        raise Http404
    if ticket.customer_can_resolve:
        services.customer_resolve(ticket)
        messages.success(request, _("Thanks — the ticket is marked resolved. Reply if the problem comes back."))
    else:
        messages.info(request, _("This ticket is already %(status)s.") % {"status": ticket.get_status_display()})
    return redirect(ticket)

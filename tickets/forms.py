from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from tickets.models import SEVERITY_SHORT_LABELS, Severity, Status, Ticket
from tickets.permissions import support_staff_users

MAX_BODY_LENGTH = 20_000


def _one_line(value: str) -> str:
    return " ".join(value.split())


class TicketForm(forms.ModelForm):
    """What a customer fills in to open a ticket."""

    class Meta:
        model = Ticket
        fields = ("subject", "description", "severity", "product", "language")
        labels = {
            "subject": _("Subject"),
            "description": _("Describe the problem"),
            "severity": _("How urgent is it?"),
            "product": _("Product or domain"),
            "language": _("Language for our reply"),
        }
        help_texts = {
            "subject": _("One line, e.g. “Mail to gmail.com bounces since this morning”."),
            "description": _(
                "What you did, what you expected, what happened instead, and any error message. "
                "Markdown is supported. Never send passwords."
            ),
            "severity": _("Critical is for a site or mailbox that is down."),
            "product": _("The domain, hosting plan or mailbox this is about (optional)."),
        }
        widgets = {
            "subject": forms.TextInput(attrs={"autocomplete": "off", "maxlength": 200}),
            "description": forms.Textarea(attrs={"rows": 8}),
            "severity": forms.RadioSelect,
            "product": forms.TextInput(attrs={"placeholder": _("example.com")}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["severity"].choices = Severity.choices
        self.fields["description"].max_length = MAX_BODY_LENGTH
        self.fields["description"].widget.attrs["maxlength"] = MAX_BODY_LENGTH
        self.fields["language"].choices = [
            (code, settings.LANGUAGE_NAMES_LOCAL.get(code, str(name))) for code, name in settings.LANGUAGES
        ]

    def clean_subject(self) -> str:
        subject = _one_line(self.cleaned_data["subject"])
        if not subject:
            raise forms.ValidationError(_("Please write a subject."))
        return subject

    def clean_description(self) -> str:
        description = self.cleaned_data["description"].replace("\x00", "").strip()
        if len(description) > MAX_BODY_LENGTH:
            raise forms.ValidationError(
                _("Please keep the description under %(max)s characters.") % {"max": MAX_BODY_LENGTH}
            )
        return description

    def clean_product(self) -> str:
        return _one_line(self.cleaned_data.get("product", ""))


class ReplyForm(forms.Form):
    """A customer's reply in the conversation."""

    body = forms.CharField(
        label=_("Your reply"),
        max_length=MAX_BODY_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown is supported."),
    )

    def clean_body(self) -> str:
        body = self.cleaned_data["body"].replace("\x00", "").strip()
        if not body:
            raise forms.ValidationError(_("Please write a reply."))
        return body


class StaffReplyForm(ReplyForm):
    """Staff answer the customer, or write an internal note only staff see."""

    internal = forms.BooleanField(
        label=_("Internal note (only staff see it; the customer is not emailed)"), required=False
    )
    status = forms.ChoiceField(label=_("Then set status to"), required=False)

    def __init__(self, *args, ticket: Ticket, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].label = _("Message")
        self.fields["status"].help_text = _(
            "Automatic: waiting on customer after a reply, unchanged after an internal note."
        )
        choices = [("", _("Automatic"))]
        choices += [
            (value, label)
            for value, label in Status.choices
            if value != Status.NEW and ticket.can_transition_to(value)
        ]
        self.fields["status"].choices = choices


class StaffUpdateForm(forms.Form):
    """Staff change status, assignee and severity in one go."""

    status = forms.ChoiceField(label=_("Status"))
    assignee = forms.ModelChoiceField(
        label=_("Assignee"), queryset=None, required=False, empty_label=_("Unassigned")
    )
    severity = forms.ChoiceField(
        label=_("Severity"),
        choices=[(value, SEVERITY_SHORT_LABELS[value]) for value in Severity.values],
        help_text=_("Changing it recomputes the due times from when the ticket was opened."),
    )

    def __init__(self, *args, ticket: Ticket, **kwargs):
        kwargs.setdefault(
            "initial",
            {"status": ticket.status, "assignee": ticket.assignee_id, "severity": ticket.severity},
        )
        super().__init__(*args, **kwargs)
        self.ticket = ticket
        self.fields["status"].choices = [
            (value, label) for value, label in Status.choices if ticket.can_transition_to(value)
        ]
        self.fields["assignee"].queryset = support_staff_users()
        self.fields["assignee"].label_from_instance = lambda user: user.get_display_name()

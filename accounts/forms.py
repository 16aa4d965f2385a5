from typing import ClassVar

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm, UserCreationForm
from django.utils.translation import gettext_lazy as _

User = get_user_model()


def language_choices() -> list[tuple[str, str]]:
    """Each language in its own name ("Türkçe", not "Turkish"): people look for their own."""
    return [(code, settings.LANGUAGE_NAMES_LOCAL.get(code, str(name))) for code, name in settings.LANGUAGES]


def _email_taken(email: str, exclude_pk: int | None = None) -> bool:
    users = User.objects.filter(email__iexact=email)
    if exclude_pk is not None:
        users = users.exclude(pk=exclude_pk)
    return users.exists()


class SignupForm(UserCreationForm):
    """Username, email, display name, preferred language and the password twice."""

    email = forms.EmailField(
        label=_("Email address"),
        help_text=_("We send password resets and replies to your questions here."),
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "email", "display_name", "preferred_language")
        labels: ClassVar[dict] = {"username": _("Username"), "display_name": _("Display name")}
        help_texts: ClassVar[dict] = {
            "username": _("Letters, digits and @ . + - _ only. Used to log in."),
            "display_name": _("Shown next to your posts. Leave empty to use your username."),
            "preferred_language": _("The site opens in this language when you log in."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["email"].widget.attrs.update({"autocomplete": "email"})
        self.fields["display_name"].widget.attrs.update({"autocomplete": "nickname"})
        self.fields["preferred_language"].choices = language_choices()

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if _email_taken(email):
            raise forms.ValidationError(
                _("An account with this email address already exists. Try logging in or resetting your password.")
            )
        return email


class LoginForm(AuthenticationForm):
    """Django's login form with our wording; `limited` renders the rate-limit message."""

    error_messages: ClassVar[dict] = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "That username and password don't match. Check both and try again "
            "(passwords are case-sensitive)."
        ),
        "rate_limited": _(
            "Too many login attempts. For your security, please wait a few minutes and try again."
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Username or email")

    def clean(self):
        # Accept the email address as well as the username: people forget usernames.
        username = self.cleaned_data.get("username")
        if username and "@" in username and not User.objects.filter(username=username).exists():
            match = User.objects.filter(email__iexact=username).only("username").first()
            if match is not None:
                self.cleaned_data["username"] = match.get_username()
        return super().clean()


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ("display_name", "email", "preferred_language", "credit_in_articles")
        labels: ClassVar[dict] = {"display_name": _("Display name"), "email": _("Email address")}
        help_texts: ClassVar[dict] = {
            "display_name": _("Shown next to your posts. Leave empty to use your username."),
            "preferred_language": _("The site opens in this language when you log in."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["preferred_language"].choices = language_choices()

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if _email_taken(email, exclude_pk=self.instance.pk):
            raise forms.ValidationError(_("Another account already uses this email address."))
        return email

"""Sign up, log in/out, profile, and Django's password views wired to our templates.

Login, sign-up and password-reset requests are rate limited in the shared cache
(helpcenter.ratelimit), so the limit holds across every app process.
"""

from typing import ClassVar

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group
from django.db import transaction
from django.forms.utils import ErrorDict
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext
from django.views.generic import FormView

from accounts import roles
from accounts.forms import LoginForm, ProfileForm, SignupForm
from helpcenter.ratelimit import Limit, hit, is_limited
from home.language import (
    LANGUAGE_CODES,
    language_home_url,
    remember_language,
    url_in_language,
)

User = get_user_model()

# Per client (user or address). Generous for people, tight for scripts.
LOGIN_LIMIT = Limit(10, 300)
# Per username, whoever tries it: slows password guessing spread over many addresses.
LOGIN_USERNAME_LIMIT = Limit(20, 3600)
SIGNUP_LIMIT = Limit(5, 3600)
PASSWORD_RESET_LIMIT = Limit(5, 3600)

RATE_LIMITED_STATUS = 429


def _safe_next(request: HttpRequest, url: str | None) -> str | None:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return None


def start_session_in_language(request: HttpRequest, user, next_url: str | None) -> HttpResponseRedirect:
    """After login or sign-up: switch to the user's preferred language and go to `next`
    (translated into that language) or that language's home page."""
    lang = user.preferred_language if user.preferred_language in LANGUAGE_CODES else get_language()
    translation.activate(lang)
    request.LANGUAGE_CODE = lang
    next_url = _safe_next(request, next_url)
    target = url_in_language(request, next_url, lang) if next_url else language_home_url(lang)
    return remember_language(HttpResponseRedirect(target), lang)


def _refused(form, message: str):
    """A bound form showing only `message`, without validating it (so a rate-limited login
    never reaches the password check). The typed values are kept; password widgets never
    render their value."""
    form._errors = ErrorDict(renderer=form.renderer)
    form.cleaned_data = {}
    form.add_error(None, message)
    return form


class SignupView(FormView):
    template_name = "accounts/signup.html"
    form_class = SignupForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return HttpResponseRedirect(language_home_url(get_language()))
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"preferred_language": get_language()}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["next"] = _safe_next(self.request, self.request.GET.get("next") or self.request.POST.get("next"))
        return context

    def post(self, request, *args, **kwargs):
        if is_limited(request, "signup", SIGNUP_LIMIT):
            form = _refused(
                self.get_form(),
                gettext("Too many sign-up attempts from your connection. Please try again in an hour."),
            )
            response = self.render_to_response(self.get_context_data(form=form))
            response.status_code = RATE_LIMITED_STATUS
            return response
        return super().post(request, *args, **kwargs)

    @transaction.atomic
    def form_valid(self, form):
        user = form.save()
        user.groups.add(Group.objects.get(name=roles.CUSTOMERS))
        auth_login(self.request, user, backend="django.contrib.auth.backends.ModelBackend")
        response = start_session_in_language(self.request, user, self.request.POST.get("next"))
        messages.success(
            self.request,
            gettext("Welcome, %(name)s! Your account is ready.") % {"name": user.get_display_name()},
        )
        return response


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        username = (request.POST.get("username") or "").strip().casefold()
        limited = is_limited(request, "login", LOGIN_LIMIT)
        if username and not hit("login-username", username, LOGIN_USERNAME_LIMIT):
            limited = True
        if limited:
            # Re-show the form with what was typed (never the password) and don't check
            # the password at all: a limited client learns nothing about it.
            form = _refused(self.get_form(), LoginForm.error_messages["rate_limited"])
            response = self.render_to_response(self.get_context_data(form=form))
            response.status_code = RATE_LIMITED_STATUS
            return response
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        user = form.get_user()
        auth_login(self.request, user)
        response = start_session_in_language(self.request, user, self.get_redirect_url())
        messages.success(self.request, gettext("Welcome back, %(name)s.") % {"name": user.get_display_name()})
        return response


class LogoutView(auth_views.LogoutView):
    """POST only (Django 5): a link or prefetch can't log anyone out."""

    def post(self, request, *args, **kwargs):
        lang = get_language()
        response = super().post(request, *args, **kwargs)
        messages.info(request, gettext("You have logged out."))
        if not _safe_next(request, request.POST.get("next")):
            response = HttpResponseRedirect(language_home_url(lang))
        return response


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST, instance=user)
        if form.is_valid():
            language_changed = "preferred_language" in form.changed_data
            form.save()
            if language_changed:
                lang = user.preferred_language
                translation.activate(lang)
                request.LANGUAGE_CODE = lang
                messages.success(request, gettext("Your profile has been saved."))
                return remember_language(HttpResponseRedirect(reverse("accounts:profile")), lang)
            messages.success(request, gettext("Your profile has been saved."))
            return HttpResponseRedirect(reverse("accounts:profile"))
    else:
        form = ProfileForm(instance=user)
    return render(request, "accounts/profile.html", {"form": form, "profile_user": user})


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change_form.html"
    success_url = reverse_lazy("accounts:password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password_change_done.html"


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")
    extra_email_context: ClassVar[dict] = {"site_name": settings.WAGTAIL_SITE_NAME}

    def form_valid(self, form):
        if is_limited(self.request, "password-reset", PASSWORD_RESET_LIMIT):
            form.add_error(None, gettext("Too many password reset requests. Please try again in an hour."))
            response = self.form_invalid(form)
            response.status_code = RATE_LIMITED_STATUS
            return response
        return super().form_valid(form)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"


"""Content-Security-Policy for the site's own pages.

The policy allows scripts from our own origin only: no inline scripts, no event-handler
attributes, no eval. So markup that slips past every escaping layer still cannot run. There are
no per-request nonces on purpose: pages are identical for every anonymous reader and can be
cached as they are.

Inline `style` attributes stay allowed ('unsafe-inline' for styles): a few templates and
Wagtail's rich text use them, and style injection can't run script in current browsers.

The Wagtail and Django admins are left out: Wagtail's admin relies on inline scripts. They are
staff-only and sit behind login.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        # Wagtail's preview frames our pages from its own (same-origin) admin.
        "frame-ancestors 'self'",
    ]
)
EXEMPT_PREFIXES = ("/admin/", "/django-admin/")


class ContentSecurityPolicyMiddleware:
    """Adds POLICY to every response outside the admins, unless a view set its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith(EXEMPT_PREFIXES):
            response.headers.setdefault("Content-Security-Policy", POLICY)
        return response

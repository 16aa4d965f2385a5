from django.urls import path, register_converter

from tickets import views


class TicketReferenceConverter:
    """Public ticket references in URLs: /support/tickets/HC-000123/."""

    regex = r"HC-[0-9]{6,}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(TicketReferenceConverter, "ticketref")

app_name = "tickets"
urlpatterns = [
    path("", views.contact, name="contact"),
    path("solved/", views.deflected, name="deflected"),
    path("events/", views.deflection_event, name="deflection_event"),
    path("tickets/<ticketref:reference>/", views.detail, name="detail"),
    path("tickets/<ticketref:reference>/resolve/", views.resolve, name="resolve"),
]

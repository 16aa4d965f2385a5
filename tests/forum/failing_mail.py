"""An email backend standing in for a mail server that is down (an external system, not our code)."""

import smtplib

from django.core.mail.backends.base import BaseEmailBackend


class DownMailServerBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

"""Settings of the alarm topic (``iam-platform:notifications``)."""

from __future__ import annotations

from components.settings.base import EmailAddress, Settings


class NotificationSettings(Settings):
    """Where alarms go: the stack's SNS topic, with an optional e-mail subscription."""

    email: EmailAddress | None = None

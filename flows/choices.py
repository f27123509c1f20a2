"""Choices of the flows app: the notification kinds are declared with the ladder, in casework."""
from casework.choices import NotificationKind

__all__ = ["NotificationKind"]

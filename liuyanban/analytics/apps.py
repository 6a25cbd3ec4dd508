"""The analytics app listens to the lifecycle's events and keeps its own counts."""

from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "liuyanban.analytics"
    label = "analytics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Subscribe to every message event (sent after commit by the lifecycle)."""
        from liuyanban.lifecycle.signals import message_event

        from .rollups import on_message_event

        message_event.connect(on_message_event, dispatch_uid="analytics.rollups")

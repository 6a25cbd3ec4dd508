"""The api app: REST, Open311, webhooks, bulk import and export."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "liuyanban.api"
    label = "api"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Listen to lifecycle events for webhooks (the lifecycle never imports us)."""
        from liuyanban.lifecycle.signals import message_event

        from .webhooks import on_message_event

        message_event.connect(on_message_event, dispatch_uid="api.webhooks")

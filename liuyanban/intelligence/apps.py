from django.apps import AppConfig


class IntelligenceConfig(AppConfig):
    name = "liuyanban.intelligence"
    label = "intelligence"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from liuyanban.lifecycle.signals import message_event

        from .handlers import on_message_event

        message_event.connect(on_message_event, dispatch_uid="intelligence.on_message_event")

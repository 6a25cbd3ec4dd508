from django.apps import AppConfig
from django.core import checks


class LifecycleConfig(AppConfig):
    name = "liuyanban.lifecycle"
    label = "lifecycle"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from .redaction import check_redactor

        checks.register(check_redactor)

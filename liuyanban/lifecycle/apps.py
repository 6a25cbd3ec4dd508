from django.apps import AppConfig
from django.core import checks
from django.utils.translation import gettext_lazy as _


class LifecycleConfig(AppConfig):
    name = "liuyanban.lifecycle"
    verbose_name = _("留言办理")
    label = "lifecycle"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from liuyanban.core import schedule

        from .redaction import check_redactor
        from .tasks import purge_stale_draft_images

        schedule.register(
            schedule.Periodic(
                "write-page images never submitted", 24 * 3600, purge_stale_draft_images.enqueue
            )
        )

        checks.register(check_redactor)
        # Every event gives the pages showing its message a new version (cache, ETag).
        from .signals import message_event
        from .versions import on_message_event

        message_event.connect(on_message_event, dispatch_uid="lifecycle.versions")
        # A saved or deleted calendar override changes deadlines at once.
        from django.db.models.signals import post_delete, post_save

        from .models import CalendarOverride
        from .workdays import on_override_changed

        for signal in (post_save, post_delete):
            signal.connect(
                on_override_changed, sender=CalendarOverride, dispatch_uid="lifecycle.workdays"
            )

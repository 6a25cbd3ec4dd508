"""The api app: REST, Open311, webhooks, bulk import and export."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy


class ApiConfig(AppConfig):
    name = "liuyanban.api"
    verbose_name = gettext_lazy("接口")
    label = "api"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Listen to lifecycle events for webhooks (the lifecycle never imports us)."""
        from django.utils.translation import gettext_lazy as _

        from liuyanban.core import schedule, sweeper
        from liuyanban.lifecycle.signals import message_event

        from . import receivers, webhooks
        from .tasks import deliver_due_webhooks

        schedule.register(schedule.Periodic("webhook retries", 60, deliver_due_webhooks.enqueue))
        message_event.connect(receivers.on_message_event, dispatch_uid="api.webhooks")
        sweeper.register(
            sweeper.Check(
                "overdue_webhooks",
                _("逾期未投递的 Webhook"),
                webhooks.overdue,
                receivers.repair_overdue,
            )
        )

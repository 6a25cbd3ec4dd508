"""The analytics app listens to the lifecycle's events and keeps its own counts."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "liuyanban.analytics"
    verbose_name = _("统计分析")
    label = "analytics"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        """Subscribe to every message event; tell the sweeper about unfolded events."""
        from liuyanban.core import schedule, sweeper
        from liuyanban.lifecycle.signals import message_event

        from . import receivers
        from .tasks import purge_report_pdfs

        schedule.register(
            schedule.Periodic(
                "printed PDF reports older than a week", 24 * 3600, purge_report_pdfs.enqueue
            )
        )
        message_event.connect(receivers.on_message_event, dispatch_uid="analytics.rollups")
        sweeper.register(
            sweeper.Check(
                "unfolded_events",
                _("未计入统计的留言事件"),
                receivers.count_unfolded,
                receivers.repair_unfolded,
            )
        )

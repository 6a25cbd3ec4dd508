from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntelligenceConfig(AppConfig):
    name = "liuyanban.intelligence"
    verbose_name = _("智能分析")
    label = "intelligence"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from liuyanban.core import schedule, sweeper
        from liuyanban.lifecycle.signals import message_event

        from . import handlers
        from .tasks import refresh_hot_issues, retrain_classifiers

        schedule.register(
            schedule.Periodic("hot issues heat and ranking", 3600, refresh_hot_issues.enqueue)
        )
        schedule.register(
            schedule.Periodic("classifier retraining", 7 * 24 * 3600, retrain_classifiers.enqueue)
        )

        message_event.connect(
            handlers.on_message_event, dispatch_uid="intelligence.on_message_event"
        )
        sweeper.register(
            sweeper.Check(
                "unanalysed_messages",
                _("缺少受理分析的留言"),
                lambda: handlers.unanalysed().count(),
                handlers.queue_missing_analyses,
            )
        )

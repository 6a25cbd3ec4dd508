from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "liuyanban.core"
    verbose_name = _("系统")
    label = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import jobs, schedule, sweeper, workers
        from .tasks import sweep_background_work

        schedule.register(
            schedule.Periodic("background-work sweeper", 60, sweep_background_work.enqueue)
        )

        sweeper.register(
            sweeper.Check(
                "stuck_tasks",
                _("中断后仍显示运行中的任务"),
                lambda: len(workers.stale_running()),
                workers.requeue_stale,
            )
        )
        sweeper.register(
            sweeper.Check(
                "outbox",
                _("未送入任务队列的任务"),
                jobs.unrelayed,
                lambda: jobs.relay(older_than=jobs.RELAY_GRACE),
            )
        )

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "liuyanban.supervision"
    verbose_name = _("督查督办")
    label = "supervision"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from liuyanban.core import schedule

        from .tasks import deadline_job

        schedule.register(
            schedule.Periodic("deadlines (临期预警/催办/黄牌/红牌)", 3600, deadline_job.enqueue)
        )

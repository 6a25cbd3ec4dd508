from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    name = "liuyanban.supervision"
    verbose_name = _("督查督办")
    label = "supervision"
    default_auto_field = "django.db.models.BigAutoField"

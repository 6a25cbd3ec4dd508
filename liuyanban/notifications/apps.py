from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "liuyanban.notifications"
    verbose_name = _("通知")
    label = "notifications"
    default_auto_field = "django.db.models.BigAutoField"

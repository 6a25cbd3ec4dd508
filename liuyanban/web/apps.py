from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "liuyanban.web"
    verbose_name = _("网站")
    label = "web"
    default_auto_field = "django.db.models.BigAutoField"

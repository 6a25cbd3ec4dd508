from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "liuyanban.campaigns"
    verbose_name = _("征集活动")
    label = "campaigns"
    default_auto_field = "django.db.models.BigAutoField"

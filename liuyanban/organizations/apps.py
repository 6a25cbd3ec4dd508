from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrganizationsConfig(AppConfig):
    name = "liuyanban.organizations"
    verbose_name = _("机构目录")
    label = "organizations"
    default_auto_field = "django.db.models.BigAutoField"

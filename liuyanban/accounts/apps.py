from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "liuyanban.accounts"
    verbose_name = _("账户与角色")
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

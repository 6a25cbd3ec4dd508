from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "liuyanban.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

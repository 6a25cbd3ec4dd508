from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "liuyanban.supervision"
    label = "supervision"
    default_auto_field = "django.db.models.BigAutoField"

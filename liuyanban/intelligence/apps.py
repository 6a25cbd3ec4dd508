from django.apps import AppConfig


class IntelligenceConfig(AppConfig):
    name = "liuyanban.intelligence"
    label = "intelligence"
    default_auto_field = "django.db.models.BigAutoField"

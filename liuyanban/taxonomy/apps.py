from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TaxonomyConfig(AppConfig):
    name = "liuyanban.taxonomy"
    verbose_name = _("分类")
    label = "taxonomy"
    default_auto_field = "django.db.models.BigAutoField"

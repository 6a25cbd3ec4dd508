from django.db import migrations


def load(apps, schema_editor):
    from liuyanban.taxonomy.defaults import DOMAINS, KINDS

    Domain = apps.get_model("taxonomy", "Domain")
    Kind = apps.get_model("taxonomy", "Kind")
    for i, (code, name, name_en) in enumerate(DOMAINS):
        Domain.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "level": 1, "sort_order": i}
        )
    for i, (code, name, name_en) in enumerate(KINDS):
        Kind.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "sort_order": i}
        )


class Migration(migrations.Migration):
    dependencies = [("taxonomy", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

from django.db import migrations


def fill(apps, schema_editor):
    """Give the built-in domains and kinds their English names where a row has none."""
    from liuyanban.taxonomy.defaults import DOMAINS, KINDS

    for model, rows in (("Domain", DOMAINS), ("Kind", KINDS)):
        Model = apps.get_model("taxonomy", model)
        for code, _name, name_en in rows:
            Model.objects.filter(code=code, name_en="").update(name_en=name_en)


class Migration(migrations.Migration):
    dependencies = [("taxonomy", "0002_default_taxonomy")]
    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]

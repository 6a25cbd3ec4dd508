from django.db import migrations


def load(apps, schema_editor):
    from liuyanban.organizations.defaults import UNIT_TEMPLATES

    UnitTemplate = apps.get_model("organizations", "UnitTemplate")
    Domain = apps.get_model("taxonomy", "Domain")
    for i, (code, name, province_suffix, local_suffix, domains) in enumerate(UNIT_TEMPLATES):
        template, _ = UnitTemplate.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "province_suffix": province_suffix,
                "local_suffix": local_suffix,
                "sort_order": i,
            },
        )
        template.domains.set(Domain.objects.filter(code__in=domains))


PATH_INDEX = "CREATE INDEX IF NOT EXISTS org_path_prefix ON organizations_organization (path varchar_pattern_ops)"


def path_index(apps, schema_editor):
    # Subtree queries are "path LIKE 'CN/11-zf/%'": PostgreSQL needs the pattern opclass.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PATH_INDEX)


class Migration(migrations.Migration):
    dependencies = [
        ("organizations", "0001_initial"),
        ("taxonomy", "0002_default_taxonomy"),
    ]
    operations = [
        migrations.RunPython(load, migrations.RunPython.noop),
        migrations.RunPython(path_index, migrations.RunPython.noop),
    ]

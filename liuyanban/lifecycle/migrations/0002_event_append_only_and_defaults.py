from django.db import migrations

# On PostgreSQL the event log refuses UPDATE and DELETE: it is the audit trail.
# (TRUNCATE stays possible for an operator wiping a whole database, and for test flushes.)
APPEND_ONLY = """
CREATE OR REPLACE FUNCTION lifecycle_event_append_only() RETURNS trigger AS $$
BEGIN
  RAISE EXCEPTION 'lifecycle_event is append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER lifecycle_event_no_update BEFORE UPDATE OR DELETE ON lifecycle_event
  FOR EACH ROW EXECUTE FUNCTION lifecycle_event_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS lifecycle_event_no_update ON lifecycle_event;
DROP FUNCTION IF EXISTS lifecycle_event_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        # A plain cursor: the function body contains a literal "%" for RAISE.
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(APPEND_ONLY)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(DROP)


def defaults(apps, schema_editor):
    DeadlineRule = apps.get_model("lifecycle", "DeadlineRule")
    Kind = apps.get_model("taxonomy", "Kind")
    ReasonTemplate = apps.get_model("lifecycle", "ReasonTemplate")
    # PRODUCT.md defaults: accept within 3 working days, reply within 15 (咨询/求助: 5).
    DeadlineRule.objects.get_or_create(organization=None, kind=None, step="accept", defaults={"working_days": 3})
    DeadlineRule.objects.get_or_create(organization=None, kind=None, step="reply", defaults={"working_days": 15})
    for code in ("question", "help"):
        kind = Kind.objects.filter(code=code).first()
        if kind:
            DeadlineRule.objects.get_or_create(organization=None, kind=kind, step="reply", defaults={"working_days": 5})
    reasons = {
        "reject": [
            "内容含有人身攻击、侮辱谩骂等不文明用语",
            "内容与留言对象职责无关，建议向有关部门反映",
            "内容涉及诉讼、仲裁等依法应通过法定途径解决的事项",
            "重复提交相同内容",
            "内容过于简略，无法核实办理",
        ],
        "return": [
            "不属于本单位职责范围",
            "应由其他地区有关部门办理",
            "留言内容不清，需补充信息",
        ],
        "send_back": [
            "回复未针对留言所提问题，请补充具体办理情况",
            "回复缺少办理依据或联系方式",
            "回复用语不规范，请修改",
        ],
    }
    for kind, texts in reasons.items():
        for i, text in enumerate(texts):
            ReasonTemplate.objects.get_or_create(kind=kind, text=text, defaults={"sort_order": i})


class Migration(migrations.Migration):
    dependencies = [("lifecycle", "0001_initial"), ("taxonomy", "0002_default_taxonomy")]
    operations = [
        migrations.RunPython(forwards, backwards),
        migrations.RunPython(defaults, migrations.RunPython.noop),
    ]

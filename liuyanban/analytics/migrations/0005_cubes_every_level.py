from django.db import migrations, transaction

# The region and office month cubes, re-keyed: (grain, dimensions kept, how the region is
# kept, how the office is kept). "every": one row for the message's own region (body) and
# one for each above it; "upper": the region cut to its two top levels (province, or the
# prefecture above a county); "own": as before. As ``rollups.GRAINS`` declares them.
CUBES = [
    ("p", ("region_id", "kind_id"), "every", "own"),
    ("q", ("region_id", "domain_id"), "every", "own"),
    ("s", ("region_id", "board_id"), "every", "own"),
    ("t", ("region_id", "office_id"), "every", "own"),
    ("u", ("office_id", "kind_id"), "own", "every"),
    ("v", ("office_id", "domain_id", "region_id"), "upper", "every"),
    ("w", ("office_id", "board_id"), "own", "every"),
]
DIMENSIONS = ("office_id", "unit_id", "board_id", "domain_id", "kind_id", "region_id")
MAP = "lyb_migrate_map"


def _chain(parents, pk):
    out = [pk]
    while parents.get(out[-1]) is not None:
        out.append(parents[out[-1]])
    return out


def _keys(how, parents, pk):
    if not pk or how == "own":
        return [pk]
    chain = _chain(parents, pk)
    if how == "upper":
        return [chain[-2] if len(chain) >= 2 else chain[-1]]
    return chain


def fill_cubes(apps, schema_editor):
    """Each cube re-keyed (``0004`` keyed them by each message's own region and office):
    summed again from the month rows, which keep every dimension, through a scratch
    table of (id, id kept) pairs — the rows of every region or body above added.

    From the month rows, not the cube's old rows, so running it again (after a failure
    part way) gives the same rows. One transaction per cube, then (PostgreSQL, outside a transaction) ``VACUUM`` of the
    table, so the space of a cube's old rows is reused by the next one's new rows: the
    table grows by the cubes' growth, not by the old and the new cubes together (a
    database of 1 M messages ran out of disk the other way).
    """
    rollup = apps.get_model("analytics", "Rollup")
    table = schema_editor.quote_name(rollup._meta.db_table)
    parents = {
        "region_id": dict(
            apps.get_model("organizations", "Region").objects.values_list("pk", "parent_id")
        ),
        "office_id": dict(
            apps.get_model("organizations", "Organization").objects.values_list("pk", "parent_id")
        ),
    }
    measures = [
        f.column
        for f in rollup._meta.concrete_fields
        if f.column not in ("id", "grain", "period", *DIMENSIONS)
    ]
    columns = ", ".join(["grain", "period", *DIMENSIONS, *measures])
    connection = schema_editor.connection
    for grain, keep, region, office in CUBES:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            _rekey(cursor, table, parents, columns, measures, grain, keep, region, office)
        if connection.vendor == "postgresql" and not connection.in_atomic_block:
            with connection.cursor() as cursor:
                cursor.execute(f"VACUUM {table}")


def _rekey(cursor, table, parents, columns, measures, grain, keep, region, office):
    """Replace the rows of one cube by the month rows' sums under its keys."""
    how = {"region_id": region, "office_id": office}
    joins, dims, group = [], [], []
    for d in DIMENSIONS:
        if d not in keep:
            dims.append("0")
            continue
        if how.get(d, "own") == "own":
            dims.append(f"c.{d}")
        else:
            name = f"{MAP}_{d}"
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
            cursor.execute(f"CREATE TEMPORARY TABLE {name} (src integer, dst integer)")
            cursor.execute(f"SELECT DISTINCT {d} FROM {table} WHERE grain = 'm'")
            ids = [i for (i,) in cursor.fetchall()]
            cursor.executemany(
                f"INSERT INTO {name} (src, dst) VALUES (%s, %s)",
                [(i, k) for i in ids for k in _keys(how[d], parents[d], i)],
            )
            joins.append(f"JOIN {name} m_{d} ON m_{d}.src = c.{d}")
            dims.append(f"m_{d}.dst")
        group.append(dims[-1])
    cursor.execute("DROP TABLE IF EXISTS lyb_migrate_cube")
    cursor.execute(
        f"""CREATE TEMPORARY TABLE lyb_migrate_cube AS
            SELECT c.period AS period, {", ".join(f"{x} AS {d}" for x, d in zip(dims, DIMENSIONS, strict=True))},
                   {", ".join(f"SUM(c.{m}) AS {m}" for m in measures)}
            FROM {table} c {" ".join(joins)} WHERE c.grain = 'm'
            GROUP BY c.period, {", ".join(group)}"""
    )
    cursor.execute(f"DELETE FROM {table} WHERE grain = %s", [grain])
    cursor.execute(
        f"""INSERT INTO {table} ({columns})
            SELECT %s, period, {", ".join(DIMENSIONS)}, {", ".join(measures)}
            FROM lyb_migrate_cube""",
        [grain],
    )
    for name in ("lyb_migrate_cube", f"{MAP}_region_id", f"{MAP}_office_id"):
        cursor.execute(f"DROP TABLE IF EXISTS {name}")


def own_keys(apps, schema_editor):
    """Back to each message's own region and office: ``0004``'s fill, from the month rows."""
    module = __import__("liuyanban.analytics.migrations.0004_scoped_cubes", fromlist=["fill_cubes"])
    module.fill_cubes(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0004_scoped_cubes"),
        ("organizations", "0001_initial"),
    ]

    # Each cube commits on its own (``fill_cubes``, which a second run repeats safely).
    atomic = False

    operations = [migrations.RunPython(fill_cubes, own_keys, elidable=True)]

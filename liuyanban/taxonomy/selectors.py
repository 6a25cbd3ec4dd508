"""Reads of the domain tree for other apps."""

from __future__ import annotations

from collections import defaultdict

from .models import Domain


def names_below_top_level(key: str = "code") -> dict[str, list[tuple[str, ...]]]:
    """For each active top-level domain, the name paths of the leaves below it.

    Keyed by the top-level domain's ``code`` (or ``name`` with ``key="name"``); a path
    runs from the second level down, e.g. ``{"城乡建设": [("安全生产", "事故处理"), …]}``.
    Domains without sub-levels are left out. One query.
    """
    if key not in ("code", "name"):
        raise ValueError(f"key must be 'code' or 'name', not {key!r}")
    rows = list(Domain.objects.filter(is_active=True).values_list("pk", "parent_id", "name", key))
    parent = {pk: p for pk, p, _n, _k in rows}
    name = {pk: n for pk, _p, n, _k in rows}
    label = {pk: k for pk, p, _n, k in rows if p is None}
    has_children = {p for _pk, p, _n, _k in rows if p is not None}
    out: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for pk, p, _n, _k in rows:
        if p is None or pk in has_children:
            continue
        path: list[str] = []
        node: int | None = pk
        while node is not None and parent.get(node) is not None:
            path.append(name[node])
            node = parent[node]
        if node in label:  # an inactive ancestor cuts the leaf off
            out[label[node]].append(tuple(reversed(path)))
    return dict(out)

"""Open311 GeoReport v2 at /open311/v2/, in JSON and XML.

Services are the level-1 domains; a message's kind and board are the service
definition's attributes. ``service_request_id`` is the tracking number. Only
public messages are listed; contact data is never echoed. Creating a request
calls ``submit_message`` like the web form, so it waits for moderation; the
response carries a ``token`` (the tracking number) that ``tokens/{token}`` turns
into a ``service_request_id`` once the message is public.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import math
import time as pytime
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from xml.etree import ElementTree as ET

from django.conf import settings
from django.core.cache import cache
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import get_language
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import condition, require_GET, require_http_methods

from liuyanban.core import ratelimit, versions
from liuyanban.core.clientip import client_ip, client_network
from liuyanban.core.errors import DomainError, InvalidInput, RateLimited
from liuyanban.core.i18n import in_english
from liuyanban.core.text import printable, printable_tree
from liuyanban.lifecycle.actions import Contact, Draft, submit_message
from liuyanban.lifecycle.models import (
    OPEN_STATUSES,
    PUBLIC_STATUSES,
    Attachment,
    AttachmentState,
    Event,
    Message,
    Reply,
    ReplyState,
    Status,
)
from liuyanban.lifecycle.selectors import (
    final_replies_for,
    final_reply_notes_for,
    public_messages,
    published_images,
)
from liuyanban.lifecycle.transitions import TRANSITIONS
from liuyanban.lifecycle.versions import PUBLIC_LISTS
from liuyanban.organizations.models import Board
from liuyanban.taxonomy.models import Domain, Kind

from .auth import user_for_secret

Row = dict[str, Any]
DEFAULT_WINDOW = timedelta(days=90)
MAX_RESULTS = 1000
# A list's ETag turns over at least this often (its default window ends "now").
ETAG_MAX_AGE = 60
# Lists are cached under their ETag (which turns over each ETAG_MAX_AGE) a little longer.
LIST_CACHE_PREFIX = "open311:list:"
LIST_CACHE_TIMEOUT = 2 * ETAG_MAX_AGE
CHANGESET = "2025-01-01T00:00:00+08:00"
# XML names of list items, by the name of the list.
ITEM_TAGS = {
    "endpoints": "endpoint",
    "formats": "format",
    "attributes": "attribute",
    "values": "value",
}
TITLE_LENGTH = 30
# Dates outside this range are refused: nothing was published before, and far dates
# overflow the 90-day window arithmetic.
EARLIEST = datetime(2000, 1, 1)
LATEST = datetime(2100, 1, 1)
TOKEN_WINDOW = timedelta(minutes=1)


class Open311Error(Exception):
    """An error answered in the spec's shape, with its HTTP status."""

    def __init__(self, status: int, descriptions: Sequence[str]) -> None:
        super().__init__("; ".join(descriptions))
        self.status = status
        self.descriptions = list(descriptions)


# --- rendering ---------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _xml_fill(parent: ET.Element, row: Mapping[str, Any]) -> None:
    for key, value in row.items():
        child = ET.SubElement(parent, key)
        if isinstance(value, list):
            for item in value:
                grandchild = ET.SubElement(child, ITEM_TAGS.get(key, "item"))
                if isinstance(item, Mapping):
                    _xml_fill(grandchild, item)
                else:
                    grandchild.text = _text(item)
        elif isinstance(value, Mapping):
            _xml_fill(child, value)
        else:
            child.text = _text(value)


def to_xml(root: str, item: str | None, data: Row | list[Row]) -> bytes:
    """``<root><item>…</item>…</root>`` for a list, ``<root>…</root>`` for one object."""
    element = ET.Element(root)
    if isinstance(data, list):
        for row in data:
            _xml_fill(ET.SubElement(element, item or "item"), row)
    else:
        _xml_fill(element, data)
    ET.indent(element)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="utf-8")


def respond(
    fmt: str,
    root: str,
    item: str | None,
    data: Row | list[Row],
    status: int = 200,
    *,
    clean: bool = False,
) -> HttpResponse:
    """The same data as JSON or XML; text without control characters, so XML stays well-formed.

    ``clean``: every string in ``data`` has already been through ``printable``.
    """
    if not clean:
        data = printable_tree(data)
    if fmt == "xml":
        return HttpResponse(
            to_xml(root, item, data), status=status, content_type="text/xml; charset=utf-8"
        )
    return HttpResponse(
        dump_json(data), status=status, content_type="application/json; charset=utf-8"
    )


_SCALAR = (str, int, float, bool, type(None))


def dump_json(data: Row | list[Row]) -> str:
    """``json.dumps(data, ensure_ascii=False, indent=1)``, character for character.

    With ``indent`` the standard library encodes in pure Python (~40 ms for a list of
    1,000 requests); a list of flat rows is written here row by row with the C encoder
    (no indent; its item separator gives each field its own line), anything else goes
    to ``json.dumps`` itself.
    """
    if not (
        isinstance(data, list)
        and all(
            type(row) is dict and row and all(type(v) in _SCALAR for v in row.values())
            for row in data
        )
    ):
        return json.dumps(data, ensure_ascii=False, indent=1)
    if not data:
        return "[]"
    rows = [_ROW_ENCODER.encode(row)[1:-1] for row in data]
    return "[\n {\n  " + "\n },\n {\n  ".join(rows) + "\n }\n]"


_ROW_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",\n  ", ": "))


def error_response(fmt: str, error: Open311Error) -> HttpResponse:
    rows = [{"code": error.status, "description": d} for d in error.descriptions]
    return respond(fmt, "errors", "error", rows, status=error.status)


def _from_domain(error: DomainError) -> Open311Error:
    """A lifecycle error in the spec's shape: one error per field."""
    descriptions = [f"{field}: {'；'.join(msgs)}" for field, msgs in error.fields.items()]
    return Open311Error(error.status, descriptions or [error.message])


def guarded(view: Any) -> Any:
    """Answer every client mistake in the spec's error shape; never a 500 for bad input."""

    def wrapper(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, fmt, **kwargs)
        except Open311Error as error:
            return error_response(fmt, error)
        except DomainError as error:
            return error_response(fmt, _from_domain(error))

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


def w3c(value: datetime | None) -> str | None:
    """W3C datetime in the platform's time zone, e.g. 2025-04-14T06:37:38+08:00."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


# --- discovery and services -------------------------------------------------------------


@require_GET
@guarded
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    """Where the endpoint is and what it speaks."""
    base = request.build_absolute_uri("/open311/v2/")
    data: Row = {
        "changeset": CHANGESET,
        "contact": "留言板平台运维 (see /open311/v2/ docs in docs/api.md)",
        "key_service": "API keys are ApiTokens issued by the platform operator",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return respond(fmt, "discovery", None, data)


def _domains() -> QuerySet[Domain]:
    return Domain.objects.filter(is_active=True, level=1).order_by("sort_order", "code")


@require_GET
@guarded
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    """The level-1 domains as services; each has a definition (kind and board)."""
    rows = [
        {
            "service_code": d.code,
            "service_name": d.local_name,
            "description": d.name_en or d.name,
            "metadata": True,
            "type": "realtime",
            "keywords": d.name_en,
            "group": "留言",
        }
        for d in _domains()
    ]
    return respond(fmt, "services", "service", rows)


def _attribute(code: str, description: str, order: int, values: list[Row]) -> Row:
    return {
        "variable": True,
        "code": code,
        "datatype": "singlevaluelist",
        "required": True,
        "datatype_description": "",
        "order": order,
        "description": description,
        "values": values,
    }


@require_GET
@guarded
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    """The attributes a request of this service needs: its kind and the board written to."""
    if not _domains().filter(code=code).exists():
        raise Open311Error(404, [f"service_code {code} not found"])
    kinds = [
        {"key": k.code, "name": k.local_name} for k in Kind.objects.order_by("sort_order", "pk")
    ]
    boards = [
        {"key": b.code, "name": b.local_name}
        for b in Board.objects.filter(is_active=True).order_by("sort_order", "code")
    ]
    data: Row = {
        "service_code": code,
        "attributes": [
            _attribute("kind", "留言类型", 1, kinds),
            _attribute("board", "留言对象（留言板）", 2, boards),
        ],
    }
    return respond(fmt, "service_definition", None, data)


# --- reading requests -----------------------------------------------------------------


def group(status: str) -> str:
    """Open311 knows two statuses: our open group, and everything answered."""
    return "open" if status in OPEN_STATUSES else "closed"


def _media_url(message: Message, site: str) -> str:
    """The first published image (a moderator's decision), as an absolute URL; else empty."""
    images = getattr(message, "public_images", None)
    if images is None:
        images = list(published_images(message)[:1])
    first = images[0] if images else None
    return f"{site}{first.get_absolute_url()}" if first is not None else ""


def request_rows(messages: Sequence[Message], site: str = "") -> list[Row]:
    """Public messages as GeoReport service requests: one query for all final replies.

    What every row shares (status labels, the time zone, due-date stamps) is worked
    out once per list, not once per row.
    """
    replies = final_replies_for([m.pk for m in messages])
    shared = _Shared()
    return [request_row(m, replies.get(m.pk), site, shared) for m in messages]


class _Shared:
    """Per-list memo of the values many rows repeat (all in the request's language)."""

    def __init__(self) -> None:
        self.tz = timezone.get_current_timezone()
        self.labels = {value: str(label) for value, label in Status.choices}
        self.names: dict[tuple[str, int], str] = {}
        self.due: dict[date, str] = {}

    def name(self, obj: Any) -> str:
        key = (obj._meta.label, obj.pk)
        found = self.names.get(key)
        if found is None:
            found = self.names[key] = obj.local_name
        return found

    def w3c(self, value: datetime | None) -> str | None:
        if value is None:
            return None
        return value.astimezone(self.tz).isoformat(timespec="seconds")

    def expected(self, due: date | None) -> str | None:
        if due is None:
            return None
        found = self.due.get(due)
        if found is None:
            end = datetime.combine(due, time(23, 59, 59), tzinfo=self.tz)
            found = self.due[due] = end.isoformat(timespec="seconds")
        return found


def request_row(
    message: Message, reply: Reply | None, site: str = "", shared: _Shared | None = None
) -> Row:
    """One public message as a GeoReport service request (no contact data)."""
    s = shared or _Shared()
    agency = reply.organization if reply else (message.unit or message.office)
    region = message.region
    return {
        "service_request_id": message.tracking_number,
        "status": group(message.status),
        "status_notes": reply.public_body if reply else "",
        "service_name": s.name(message.domain),
        "service_code": message.domain.code,
        "description": message.public_body,
        "agency_responsible": s.name(agency),
        "service_notice": s.labels.get(message.status, message.status),
        "requested_datetime": s.w3c(message.published_at),
        "updated_datetime": s.w3c(message.updated_at),
        "expected_datetime": s.expected(message.current_due or message.reply_due),
        "address": message.public_location,
        "address_id": "",
        "zipcode": "",
        "lat": region.latitude if region and region.latitude is not None else "",
        "long": region.longitude if region and region.longitude is not None else "",
        "media_url": _media_url(message, site),
    }


# The columns a list row shows, read as tuples: a list of 1,000 builds no model objects.
_LIST_COLUMNS = (
    "pk",
    "tracking_number",
    "status",
    "public_body",
    "public_location",
    "published_at",
    "updated_at",
    "current_due",
    "reply_due",
    "domain__code",
    "domain__name",
    "domain__name_en",
    "unit_id",
    "unit__name",
    "unit__name_en",
    "office__name",
    "office__name_en",
    "region__latitude",
    "region__longitude",
)


def list_rows(messages: QuerySet[Message], site: str = "") -> list[Row]:
    """The first ``MAX_RESULTS`` of ``messages`` as service requests, every string printable.

    The same rows ``request_row`` gives (a test holds them equal), built from columns:
    per row a dictionary and a few lookups, instead of five model objects
    (~1 s of Python per 1,000 rows before).
    """
    data = list(messages.prefetch_related(None).values_list(*_LIST_COLUMNS)[:MAX_RESULTS])
    ids = [row[0] for row in data]
    replies = final_reply_notes_for(ids)
    first_image: dict[int, int] = {}
    for message_id, image_id in (
        Attachment.objects.filter(message_id__in=ids, state=AttachmentState.PUBLISHED)
        .order_by("-pk")
        .values_list("message_id", "pk")
    ):
        first_image[message_id] = image_id  # the lowest id is written last
    shared = _Shared()
    english = in_english()

    def local(name: str, name_en: str) -> str:
        return name_en if english and name_en else name

    out = []
    for (
        pk,
        tracking,
        status,
        body,
        location,
        published,
        updated,
        current_due,
        reply_due,
        domain_code,
        domain_name,
        domain_name_en,
        unit_id,
        unit_name,
        unit_name_en,
        office_name,
        office_name_en,
        lat,
        lng,
    ) in data:
        reply = replies.get(pk)
        if reply is not None:
            agency = local(reply[1], reply[2])
        elif unit_id is not None:
            agency = local(unit_name, unit_name_en)
        else:
            agency = local(office_name, office_name_en)
        image = first_image.get(pk)
        out.append(
            {
                "service_request_id": printable(tracking),
                "status": group(status),
                "status_notes": printable(reply[0]) if reply else "",
                "service_name": printable(local(domain_name, domain_name_en)),
                "service_code": printable(domain_code),
                "description": printable(body),
                "agency_responsible": printable(agency),
                "service_notice": shared.labels.get(status, status),
                "requested_datetime": shared.w3c(published),
                "updated_datetime": shared.w3c(updated),
                "expected_datetime": shared.expected(current_due or reply_due),
                "address": printable(location),
                "address_id": "",
                "zipcode": "",
                "lat": lat if lat is not None else "",
                "long": lng if lng is not None else "",
                "media_url": f"{site}{reverse('web:image', args=[image])}" if image else "",
            }
        )
    return out


def _when(value: str, name: str) -> datetime:
    try:
        parsed = parse_datetime(value)
        if parsed is None:
            day = parse_date(value)
            parsed = datetime.combine(day, time.min) if day else None
    except ValueError:  # well-formed but impossible, e.g. 2025-02-30 or 9999-99-99
        parsed = None
    if parsed is None:
        raise Open311Error(400, [f"{name}: not a W3C datetime"])
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    if not timezone.make_aware(EARLIEST) <= parsed <= timezone.make_aware(LATEST):
        raise Open311Error(400, [f"{name}: must be between 2000 and 2100"])
    return parsed


def _window(params: Mapping[str, str]) -> tuple[datetime, datetime]:
    """The date window of a list query: the spec's default is the last 90 days."""
    end = _when(params["end_date"], "end_date") if params.get("end_date") else timezone.now()
    start = _when(params["start_date"], "start_date") if params.get("start_date") else None
    return start or end - DEFAULT_WINDOW, end


def _public() -> QuerySet[Message]:
    images = Attachment.objects.filter(state=AttachmentState.PUBLISHED).order_by("pk")
    return (
        public_messages()
        .select_related(None)
        .select_related("domain", "office", "unit", "region")
        .only(*_ROW_FIELDS)
        .prefetch_related(Prefetch("attachments", queryset=images, to_attr="public_images"))
    )


# The columns ``request_row`` reads (the list's, plus what tells a merged message):
# a list of 1,000 builds no more than it shows.
_ROW_FIELDS = (*(c for c in _LIST_COLUMNS if c not in ("pk", "unit_id")), "canonical_id")


def _site(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _requests(params: Mapping[str, str]) -> QuerySet[Message]:
    ids = [i.strip() for i in params.get("service_request_id", "").split(",") if i.strip()]
    if ids:
        # The spec: when ids are given, every other parameter is ignored.
        return _public().filter(tracking_number__in=ids[:MAX_RESULTS])
    start, end = _window(params)
    qs = _public().filter(published_at__gte=start, published_at__lte=end)
    if codes := [c.strip() for c in params.get("service_code", "").split(",") if c.strip()]:
        qs = qs.filter(domain__code__in=codes)
    statuses = {s.strip() for s in params.get("status", "").split(",") if s.strip()}
    if statuses - {"open", "closed"}:
        raise Open311Error(400, ["status: must be open or closed"])
    if statuses == {"open"}:
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif statuses == {"closed"}:
        qs = qs.filter(status__in=PUBLIC_STATUSES - OPEN_STATUSES)
    return qs.order_by("-published_at", "-pk")


def _list_etag(request: HttpRequest, fmt: str) -> str | None:
    """A list's validator: the query, the language, the site, and the version every public
    message event changes (a reply bumps it after commit, so it shows at once).

    The default window ends now, so the tag also turns over every ``ETAG_MAX_AGE`` seconds.
    The tag also keys the list's cached body (``_cached_list``).
    """
    if request.method not in ("GET", "HEAD"):
        return None
    parts = [
        request.get_full_path(),
        _site(request),
        get_language() or "",
        str(int(pytime.time() // ETAG_MAX_AGE)),
        *versions.read(PUBLIC_LISTS),
    ]
    tag = hashlib.blake2b("\n".join(parts).encode(), digest_size=12).hexdigest()
    request._open311_etag = tag  # type: ignore[attr-defined]
    return tag


def _cached_list(request: HttpRequest, fmt: str) -> HttpResponse:
    """A list from the shared cache under its ETag, or built and stored there, gzipped once.

    Every process shares the entry (Redis), so a list of 1,000 is built once per version and
    minute, not once per request; an event's new version names a new entry (nothing is
    deleted). Stored compressed (a tenth of the JSON), and sent as stored to a client that
    takes gzip, else decompressed.
    """
    tag: str | None = getattr(request, "_open311_etag", None)
    key = f"{LIST_CACHE_PREFIX}{tag}" if tag else None
    stored = cache.get(key) if key else None
    if stored is None:
        built = respond(fmt, "service_requests", "request", _list_data(request), clean=True)
        stored = (built["Content-Type"], gzip.compress(built.content, compresslevel=6, mtime=0))
        if key:
            cache.set(key, stored, LIST_CACHE_TIMEOUT)
    content_type, packed = stored
    if "gzip" in request.headers.get("Accept-Encoding", "") and request.method == "GET":
        response = HttpResponse(packed, content_type=content_type)
        response["Content-Encoding"] = "gzip"
        if tag:  # a gzipped body is another representation of the same list: a weak tag
            response["ETag"] = f'W/"{tag}"'
    else:
        response = HttpResponse(gzip.decompress(packed), content_type=content_type)
    patch_vary_headers(response, ["Accept-Encoding"])
    return response


def _list_data(request: HttpRequest) -> list[Row]:
    return list_rows(_requests(request.GET), _site(request))


@csrf_exempt
@require_http_methods(["GET", "POST"])
@gzip_page
@condition(etag_func=_list_etag)
@guarded
def requests_(request: HttpRequest, fmt: str) -> HttpResponse:
    """GET: public requests by id list or filters (shared cache, 304 to a matching
    If-None-Match). POST: create one (needs api_key)."""
    if request.method == "POST":
        return _create(request, fmt)
    return _cached_list(request, fmt)


@require_GET
@guarded
def request_detail(request: HttpRequest, fmt: str, request_id: str) -> HttpResponse:
    """One public request by its id (the tracking number)."""
    message = _public().filter(tracking_number=request_id).first()
    if message is None:
        raise Open311Error(404, [f"service_request_id {request_id} not found"])
    return respond(fmt, "service_requests", "request", request_rows([message], _site(request)))


def _throttle_tokens(request: HttpRequest) -> None:
    """Tokens are tracking numbers: guessing them must be slow (one count shared by all workers)."""
    limit = int(settings.LIUYANBAN.get("OPEN311_TOKEN_LOOKUPS_PER_MINUTE", 30))
    rule = ratelimit.Rule("open311-token", limit=limit, window=int(TOKEN_WINDOW.total_seconds()))
    try:
        ratelimit.take((rule, client_network(client_ip(request))))
    except RateLimited:
        raise Open311Error(429, ["too many token lookups, try again in a minute"]) from None


@require_GET
@guarded
def token_detail(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    """The request id of a token once its message is public, else empty.

    An unknown token answers exactly like one waiting for moderation (or rejected,
    or merged): otherwise the answer would tell which tracking numbers exist.
    """
    _throttle_tokens(request)
    public = _public().filter(tracking_number=token).exists()
    row = {"service_request_id": token if public else "", "token": token}
    return respond(fmt, "service_requests", "request", [row])


# --- creating requests ------------------------------------------------------------------


def _id(model: type[Board | Domain | Kind], code: str) -> int:
    pk = model.objects.filter(code=code).values_list("pk", flat=True).first() if code else None
    return int(pk) if pk is not None else -1


def _location(data: Mapping[str, str]) -> str:
    address = data.get("address_string", "").strip()
    if address:
        return address
    lat, long = data.get("lat", "").strip(), data.get("long", "").strip()
    if lat and long:
        return f"{_degrees(lat, 'lat', 90):.6f},{_degrees(long, 'long', 180):.6f}"
    if data.get("address_id", "").strip():
        return data["address_id"].strip()
    raise Open311Error(400, ["location: lat & long, address_string or address_id is required"])


def _degrees(value: str, name: str, bound: int) -> float:
    """A finite coordinate within ±``bound`` degrees (``nan``, ``inf`` and 1e999 are not)."""
    try:
        number = float(value)
    except ValueError:
        raise Open311Error(400, [f"{name}: not a number"]) from None
    if not math.isfinite(number) or not -bound <= number <= bound:
        raise Open311Error(400, [f"{name}: must be a number between -{bound} and {bound}"])
    return number


def _title(description: str) -> str:
    """GeoReport has no title: the first words of the description stand in for it."""
    first_line = description.strip().splitlines()[0] if description.strip() else ""
    return first_line[:TITLE_LENGTH]


def draft_from_form(data: Mapping[str, str]) -> Draft:
    """The web form's Draft from GeoReport parameters."""
    # Control characters go before storage (the XML feed could not carry them).
    data = {key: printable(value) for key, value in data.items()}
    missing = [
        name
        for name in ("service_code", "description", "attribute[kind]", "attribute[board]")
        if not data.get(name, "").strip()
    ]
    if missing:
        raise Open311Error(400, [f"{name}: required" for name in missing])
    description = data["description"]
    return Draft(
        board_id=_id(Board, data["attribute[board]"]),
        domain_id=_id(Domain, data["service_code"]),
        kind_id=_id(Kind, data["attribute[kind]"]),
        title=_title(description),
        body=description,
        location=_location(data)[:200],
        contact=Contact(
            real_name=(data.get("last_name", "") + data.get("first_name", "")).strip(),
            phone=data.get("phone", "").strip(),
            email=data.get("email", "").strip(),
        ),
        source="open311",
    )


FIELD_NAMES = {"board": "attribute[board]", "kind": "attribute[kind]", "domain": "service_code"}


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    user = user_for_secret(request.POST.get("api_key", ""))
    if user is None:
        raise Open311Error(403, ["api_key: missing, invalid or revoked"])
    draft = draft_from_form(request.POST)
    try:
        message = submit_message(author=user, draft=draft, ip=client_ip(request))
    except InvalidInput as error:
        fields = {FIELD_NAMES.get(k, "description"): v for k, v in error.fields.items()}
        raise _from_domain(InvalidInput(error.message, fields=fields)) from None
    except RateLimited as error:
        raise Open311Error(429, [error.message]) from None
    row = {
        "token": message.tracking_number,
        "service_notice": "留言已提交，审核通过后公开",
        "account_id": "",
    }
    return respond(fmt, "service_requests", "request", [row], status=201)


# --- the servicerequestupdates extension ---------------------------------------------------


def update_row(event: Event, labels: Mapping[int, str]) -> Row:
    return {
        "update_id": event.pk,
        "service_request_id": event.message.tracking_number,
        "status": group(event.to_status or event.message.status),
        "updated_datetime": w3c(event.at),
        "description": labels.get(event.pk, event.action),
        "media_url": "",
    }


def _update_text(event: Event) -> str:
    """The public words of an update: the step, and the reply text for replies."""
    row = TRANSITIONS.get(event.action)
    label = row.label if row else event.action
    reply_id = event.details.get("reply")
    if event.action in {"reply_interim", "reply_final", "approve_reply"} and reply_id:
        reply = Reply.objects.filter(pk=reply_id, state=ReplyState.PUBLISHED).first()
        if reply is not None:
            return f"{label}：{reply.public_body}"
    return str(label)


@require_GET
@guarded
def updates(request: HttpRequest, fmt: str) -> HttpResponse:
    """Public events of public messages in a window, oldest first (the updates extension)."""
    start, end = _window(request.GET)
    events = (
        Event.objects.filter(
            is_public=True,
            at__gte=start,
            at__lte=end,
            message__status__in=PUBLIC_STATUSES,
            message__canonical__isnull=True,
        )
        .exclude(action__in=["submit", "support"])
        .select_related("message")
        .order_by("pk")
    )
    if ids := [
        i.strip() for i in request.GET.get("service_request_id", "").split(",") if i.strip()
    ]:
        events = events.filter(message__tracking_number__in=ids)
    rows = list(events[:MAX_RESULTS])
    labels = {e.pk: _update_text(e) for e in rows}
    data = [update_row(e, labels) for e in rows]
    return respond(fmt, "service_request_updates", "request_update", data)

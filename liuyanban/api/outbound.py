"""Requests to addresses that organisations give us (webhooks), never into our own network.

A webhook URL is typed by a person, so it could point at the platform's database, a
cloud metadata service (169.254.169.254) or an intranet host. The rules:

* https only, unless ``LIUYANBAN["WEBHOOK_ALLOW_HTTP"]`` (on in development and tests);
* no credentials in the URL; the host must be a public address: loopback, private,
  link-local, carrier-grade NAT, multicast, reserved and unspecified addresses are
  refused (an IPv4 address mapped into IPv6 is judged as IPv4);
* the URL is checked when it is saved, and again at every delivery *after* DNS
  resolution; the connection goes to the very address that was checked (the Host
  header and the TLS certificate still use the name), so a name that changes its
  answer between check and connect (DNS rebinding) gains nothing;
* redirects are never followed, and only the status code of the answer is kept.

``LIUYANBAN["WEBHOOK_ALLOWED_NETWORKS"]`` lists networks (CIDR) an operator allows on
purpose, e.g. a government intranet receiver; tests allow 127.0.0.1 this way.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from typing import Any
from urllib.parse import SplitResult, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from liuyanban.core.errors import InvalidInput

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# What a delivery records when it did not get an answer: fixed words, never the text
# of an exception or of the target's reply.
REFUSED = "地址被拒绝：不是公网地址"
UNRESOLVED = "域名无法解析"
TIMEOUT = "连接超时"
TLS_FAILED = "TLS 证书校验失败"
UNREACHABLE = "无法连接"


class BlockedTarget(Exception):
    """A URL or address that deliveries may not go to; ``str()`` is a sentence for people."""


class Unresolvable(BlockedTarget):
    """The URL's name has no address (now)."""


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [
        ipaddress.ip_network(n, strict=False)
        for n in settings.LIUYANBAN.get("WEBHOOK_ALLOWED_NETWORKS", [])
    ]


def check_address(address: str) -> None:
    """Raise ``BlockedTarget`` unless ``address`` is public (or in an allowed network)."""
    ip: IPAddress = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if any(ip in network for network in _allowed_networks()):
        return
    if not ip.is_global or ip.is_multicast:
        raise BlockedTarget(_("该地址指向内部网络或保留地址，不能接收 Webhook"))


def check_url(url: str) -> SplitResult:
    """The parsed URL if its form is acceptable (scheme, host, literal address); else raise."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise BlockedTarget(_("Webhook 地址格式不正确")) from None
    schemes = {"https", "http"} if settings.LIUYANBAN.get("WEBHOOK_ALLOW_HTTP") else {"https"}
    if parts.scheme not in schemes:
        raise BlockedTarget(_("Webhook 地址必须以 https:// 开头"))
    if not parts.hostname:
        raise BlockedTarget(_("Webhook 地址缺少主机名"))
    if parts.username or parts.password:
        raise BlockedTarget(_("Webhook 地址中不能包含用户名或密码"))
    host = parts.hostname.rstrip(".").lower()
    if host == "localhost" or host.endswith(".localhost"):
        check_address("127.0.0.1")
    try:
        literal = str(ipaddress.ip_address(host.split("%")[0]))
    except ValueError:
        return parts  # a name: judged by its addresses
    check_address(literal)
    return parts


def _port(parts: SplitResult) -> int:
    return parts.port or (443 if parts.scheme == "https" else 80)


def resolve(host: str, port: int) -> list[str]:
    """Every address the name stands for (tests replace this to play DNS)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def checked_addresses(url: str) -> tuple[SplitResult, list[str]]:
    """The URL and its resolved addresses, all public; raise if any is not."""
    parts = check_url(url)
    assert parts.hostname is not None
    try:
        addresses = resolve(parts.hostname, _port(parts))
    except (OSError, UnicodeError):
        raise Unresolvable(_("Webhook 地址的域名无法解析")) from None
    if not addresses:
        raise Unresolvable(_("Webhook 地址的域名无法解析"))
    for address in addresses:  # one internal answer is enough to refuse
        check_address(address)
    return parts, addresses


def validate_webhook_url(url: str, *, resolve_name: bool = True) -> None:
    """For saving an endpoint: raise ``InvalidInput`` on the ``url`` field if not allowed."""
    try:
        if resolve_name:
            checked_addresses(url)
        else:
            check_url(url)
    except BlockedTarget as error:
        raise InvalidInput(fields={"url": [str(error)]}) from None


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to a checked address, whatever the name resolves to by now."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to a checked address; the certificate is still verified for the name."""

    def __init__(
        self, host: str, port: int, *, address: str, timeout: float, context: ssl.SSLContext
    ) -> None:
        super().__init__(host, port, timeout=timeout, context=context)
        self._address = address
        self._tls = context

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict[str, str], *, timeout: float) -> int:
    """POST once to a checked address and return the status (redirects are not followed).

    Raises ``DeliveryFailed`` with a fixed description when there is no answer.
    """
    try:
        parts, addresses = checked_addresses(url)
    except Unresolvable:
        raise DeliveryFailed(UNRESOLVED) from None
    except BlockedTarget:
        raise DeliveryFailed(REFUSED) from None
    assert parts.hostname is not None
    connection: Any
    if parts.scheme == "https":
        connection = _PinnedHTTPSConnection(
            parts.hostname,
            _port(parts),
            address=addresses[0],
            timeout=timeout,
            context=ssl.create_default_context(),
        )
    else:
        connection = _PinnedHTTPConnection(
            parts.hostname, _port(parts), address=addresses[0], timeout=timeout
        )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        connection.request("POST", path, body=body, headers=headers)
        return int(connection.getresponse().status)
    except TimeoutError:
        raise DeliveryFailed(TIMEOUT) from None
    except ssl.SSLError:
        raise DeliveryFailed(TLS_FAILED) from None
    except (OSError, http.client.HTTPException):
        raise DeliveryFailed(UNREACHABLE) from None
    finally:
        connection.close()


class DeliveryFailed(Exception):
    """No HTTP answer; ``str()`` is one of the fixed descriptions above."""

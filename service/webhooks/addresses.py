"""Which endpoint URLs may be called: https to public addresses only, checked at registration
and again before each delivery (DNS can change), unless private addresses are allowed."""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from service.errors import InvalidInput

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Target:
    """Where one delivery goes: the URL as registered, and the address it resolved to."""

    url: str
    host: str
    address: str
    port: int


def _refused(address: IpAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    # is_global is False for loopback, private, link-local (169.254.169.254, the cloud metadata
    # address), shared (100.64/10), documentation and reserved ranges.
    return not address.is_global or address.is_multicast


def check_url(url: str, allow_private: bool) -> tuple[str, str, int]:
    """The URL's scheme, host and port, or InvalidInput saying why it cannot be used."""
    parts = urlsplit(url)
    allowed = ("https", "http") if allow_private else ("https",)
    if parts.scheme not in allowed:
        raise InvalidInput("url: must be https://")
    if not parts.hostname:
        raise InvalidInput("url: has no host")
    if parts.username or parts.password:
        raise InvalidInput("url: must not carry a user name or password")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise InvalidInput("url: has a bad port") from error
    return parts.scheme, parts.hostname, port


def resolve(url: str, allow_private: bool) -> Target:
    """The address to call for this URL, refusing it if any address its host resolves to is
    loopback, private, link-local or otherwise not public (unless allowed)."""
    _scheme, host, port = check_url(url, allow_private)
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise InvalidInput(f"url: the host {host!r} does not resolve") from error
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in found]
    if not addresses:
        raise InvalidInput(f"url: the host {host!r} does not resolve")
    if not allow_private and any(_refused(address) for address in addresses):
        raise InvalidInput("url: resolves to a loopback, private or link-local address")
    return Target(url, host, str(addresses[0]), port)

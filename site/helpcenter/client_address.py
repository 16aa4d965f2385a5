"""The address of the client behind our own proxies, for rate limits and anything else keyed on
who is asking.

Behind nginx or a load balancer REMOTE_ADDR is the proxy, so every visitor would share one
rate-limit bucket. X-Forwarded-For can't simply be believed either: a client writes whatever it
likes there. `TRUSTED_PROXIES` says which hops are ours:

- empty (the default): trust nothing, use REMOTE_ADDR;
- a number N: the last N hops are our proxies (REMOTE_ADDR and the N-1 rightmost
  X-Forwarded-For entries); the client is the entry just before them;
- networks ("10.0.0.0/8, 127.0.0.1"): walk from REMOTE_ADDR leftwards through X-Forwarded-For,
  skipping addresses inside those networks; the first address outside them is the client.

Read at call time, so tests and settings overrides take effect without a restart.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _chain(request: HttpRequest) -> list[str]:
    """Every hop, client side first, REMOTE_ADDR last."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    return [*hops, request.META.get("REMOTE_ADDR", "") or "unknown"]


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in spec)


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def parse_trusted_proxies(value: object) -> int | tuple[str, ...]:
    """The setting as a hop count or a tuple of network strings ("" and 0 trust nothing)."""
    if isinstance(value, int):
        return max(value, 0)
    if isinstance(value, str):
        value = [item.strip() for item in value.split(",") if item.strip()]
    items = tuple(str(item) for item in value or ())
    if len(items) == 1 and items[0].isdigit():
        return int(items[0])
    for item in items:
        ipaddress.ip_network(item, strict=False)  # ValueError names a bad entry at start-up
    return items


def client_ip(request: HttpRequest) -> str:
    """The client's address as our trusted proxies report it (REMOTE_ADDR when none are)."""
    chain = _chain(request)
    trusted = parse_trusted_proxies(getattr(settings, "TRUSTED_PROXIES", ""))
    if isinstance(trusted, int):
        # N trusted hops: the client is the one just before them (or the leftmost we have).
        return chain[max(len(chain) - 1 - trusted, 0)]
    networks = _networks(trusted)
    for address in reversed(chain):
        if not _trusted(address, networks):
            return address
    return chain[0]

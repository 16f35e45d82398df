"""Field parsers for the stack config: each records a problem and returns None instead of raising,
so that every problem in the file is reported at once."""

from __future__ import annotations

import difflib
import ipaddress
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from components.model import PROJECT

# Config keys are shown with their namespace: `hubspoke:spokes[1].cidr`.
NS = f"{PROJECT}:"
_DOMAIN_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def show(value: Any) -> str:
    return value if isinstance(value, str) and value else json.dumps(value)  # "" stays visible


class Problems:
    """Every problem found so far, one line each: key path, value, what is wrong."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, path: str, value: Any, what: str) -> None:
        self.items.append(f"{path} {show(value)} {what}")

    def missing(self, path: str) -> None:
        self.items.append(f"{path} is required")


MISSING = object()


def nearest(key: str, known: Iterable[str]) -> str | None:
    """The known key `key` is most likely a misspelling of (difflib's ratio >= 0.6), if any."""
    known = list(known)
    folded = {k.lower(): k for k in known}
    if key.lower() in folded:  # a case slip (`azcount`) is always the nearest
        return folded[key.lower()]
    close = difflib.get_close_matches(key, known, n=1)
    if close:
        return close[0]
    # A shortened key (`zone` for `privateZone`) is close too, when only one key contains it.
    within = [k for k in known if len(key) >= 3 and key.lower() in k.lower()]
    return within[0] if len(within) == 1 else None


def unknown_key(
    path: str, key: str, known: Iterable[str], problems: Problems, *, shown: str = ""
) -> str | None:
    """Report `path` (whose last part is `key`) as unknown; returns the nearest known key."""
    known = sorted(known)
    near = nearest(key, known)
    hint = f"; did you mean {shown}{near}?" if near else ""
    listing = f" (known: {', '.join(known)})" if len(known) <= 12 else ""
    problems.items.append(f"{path} is not a known key{hint}{listing}")
    return near


def as_mapping(
    value: Any,
    path: str,
    problems: Problems,
    required: Sequence[str],
    optional: Sequence[str] = (),
) -> dict[str, Any] | None:
    """Check `value` is an object with the required keys and no unknown ones (typos fail loudly)."""
    if not isinstance(value, Mapping):
        problems.add(path, value, "must be an object")
        return None
    known = set(required) | set(optional)
    misspelt = set()  # a required key present under a near name is one problem, not two
    for key in value:
        if key not in known:
            misspelt.add(unknown_key(f"{path}.{key}", str(key), known, problems))
    for key in required:
        if key not in value and key not in misspelt:
            problems.missing(f"{path}.{key}")
    return dict(value)


def as_str(value: Any, path: str, problems: Problems) -> str | None:
    if value is MISSING:
        return None
    if not isinstance(value, str) or not value:
        problems.add(path, value, "must be a non-empty string")
        return None
    return value


def as_int(value: Any, path: str, problems: Problems, lo: int, hi: int) -> int | None:
    if value is MISSING:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        problems.add(path, value, "must be a whole number")
        return None
    if not lo <= value <= hi:
        problems.add(path, value, f"is out of range (allowed: {lo}..{hi})")
        return None
    return value


def as_bool(value: Any, path: str, problems: Problems) -> bool | None:
    if value is MISSING:
        return None
    if not isinstance(value, bool):
        problems.add(path, value, "must be true or false")
        return None
    return value


def as_list(value: Any, path: str, problems: Problems, *, min_items: int = 0) -> list[Any] | None:
    if value is MISSING:
        return None
    if not isinstance(value, list):
        problems.add(path, value, "must be a list")
        return None
    if len(value) < min_items:
        problems.add(
            path, value, f"must have at least {min_items} item{'s' if min_items > 1 else ''}"
        )
    return value


def as_cidr(value: Any, path: str, problems: Problems) -> ipaddress.IPv4Network | None:
    text = as_str(value, path, problems)
    if text is None:
        return None
    try:
        network = ipaddress.IPv4Network(text, strict=True)
    except ValueError as exc:
        problems.add(path, value, f"is not a valid IPv4 CIDR ({exc})")
        return None
    return network


def as_ip(value: Any, path: str, problems: Problems) -> ipaddress.IPv4Address | None:
    text = as_str(value, path, problems)
    if text is None:
        return None
    try:
        return ipaddress.IPv4Address(text)
    except ValueError:
        problems.add(path, value, "is not a valid IPv4 address")
        return None


def as_domain(value: Any, path: str, problems: Problems) -> str | None:
    text = as_str(value, path, problems)
    if text is None:
        return None
    name = text.rstrip(".").lower()
    labels = name.split(".")
    if (
        len(name) > 253
        or len(labels) < 2
        or not all(_DOMAIN_LABEL.match(label) for label in labels)
        or labels[-1].isdigit()
    ):
        problems.add(
            path, value, "is not a valid domain name (labels of a-z, 0-9 and -, at least two)"
        )
        return None
    return name


def each(
    items: list[Any] | None, path: str, parse_one: Callable[[Any, str], Any]
) -> tuple[Any, ...]:
    if not items:
        return ()
    parsed = (parse_one(item, f"{path}[{i}]") for i, item in enumerate(items))
    return tuple(p for p in parsed if p is not None)


def in_domain(name: str, domain: str) -> bool:
    return name == domain or name.endswith("." + domain)

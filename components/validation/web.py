"""`hubspoke:web`: the web app on CloudFront. Absent, it is on wherever the API is (the app is the
API's front end); `false` or `enabled: false` turns it off."""

from __future__ import annotations

from typing import Any

from components.model import WEB_PRICE_CLASSES, ApiConfig, WebConfig
from components.validation.fields import MISSING, NS, Problems, as_bool, as_mapping


def parse_web(
    raw: Any, problems: Problems, api: ApiConfig | None, api_written: bool
) -> WebConfig | None:
    """`api_written`: `hubspoke:api` is in the stack file (it may have problems of its own, then
    `api` is None and the web app is not reported as lacking it)."""
    path = f"{NS}web"
    if raw is MISSING:
        return WebConfig() if api is not None else None
    if isinstance(raw, bool):
        enabled, obj = raw, {}
    else:
        obj = as_mapping(raw, path, problems, required=[], optional=["enabled", "priceClass"])
        if obj is None:
            return None
        enabled = as_bool(obj.get("enabled", True), f"{path}.enabled", problems)
    price_class = obj.get("priceClass", WebConfig.price_class)
    if price_class not in WEB_PRICE_CLASSES:
        problems.add(
            f"{path}.priceClass",
            price_class,
            f"is not a CloudFront price class (allowed: {', '.join(WEB_PRICE_CLASSES)})",
        )
        return None
    if not enabled:
        return None
    if not api_written:
        problems.add(
            path,
            raw,
            f"needs {NS}api (the app is the API's front end); remove it or set enabled: false",
        )
        return None
    return WebConfig(price_class=price_class) if api is not None else None

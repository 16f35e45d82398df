"""What the web app (web/) is served with, on CloudFront and in the sandbox alike: its
`config.json` (built from the stack's outputs, never a file in the repository), the security
headers of the response headers policy, and each file's content type and cache-control.

Pure values, no Pulumi: the `WebApp` component (components/webapp.py) and the sandbox's local
web server (offline/webapp.py) both build from here, so the two cannot drift apart.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from components.model import ApiConfig

WEB_ROOT = Path(__file__).resolve().parent.parent / "web"
CONFIG_FILE = "config.json"
INDEX = "index.html"

# The response headers policy's security headers (and the sandbox's).
HSTS_MAX_AGE_SECONDS = 63_072_000  # two years, the HSTS preload list's minimum is one
FRAME_OPTION = "DENY"
REFERRER_POLICY = "strict-origin-when-cross-origin"

# Types the browser must get right: a module script served as anything but a JavaScript type is
# refused ("Failed to load module script ... strict MIME type checking"); text/javascript is the
# one RFC 9239 keeps. Everything else falls back to the `mimetypes` table.
_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
}


def cognito_endpoint(region: str) -> str:
    """The user-pool API the app signs in against (Amazon Cognito endpoints and quotas)."""
    return f"https://cognito-idp.{region}.amazonaws.com/"


def app_config(
    *,
    api_url: str,
    region: str,
    user_pool_id: str,
    client_id: str,
    cognito: str,
    api: ApiConfig,
) -> dict[str, Any]:
    """config.json: where the app's API and user pool are, and the limits it shows before
    sending (the function enforces the same ones)."""
    return {
        "apiUrl": api_url,
        "region": region,
        "userPoolId": user_pool_id,
        "clientId": client_id,
        "cognitoEndpoint": cognito,
        # False (an admin-only pool): the app hides its sign-up form; the pool would refuse it.
        "selfSignUp": api.self_sign_up,
        "groups": {group: list(p) for group, p in api.groups.items()},
        "defaultGroup": list(api.default_permissions),
        "uploadMaxBytes": api.upload_max_bytes,
        "uploadContentTypes": list(api.upload_content_types),
    }


def content_security_policy(connect_src: Sequence[str]) -> str:
    """Scripts, styles and images from the app's own origin only; `connect_src`: exactly the
    origins the app calls (API, Cognito, the upload bucket), besides its own config.json."""
    sources = " ".join(["'self'", *connect_src])
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src {sources}; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    )


def security_headers(connect_src: Sequence[str]) -> Mapping[str, str]:
    """The headers the WebApp's response headers policy sends, as an HTTP response has them."""
    return {
        "Content-Security-Policy": content_security_policy(connect_src),
        "Strict-Transport-Security": (
            f"max-age={HSTS_MAX_AGE_SECONDS}; includeSubDomains; preload"
        ),
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": FRAME_OPTION,
        "Referrer-Policy": REFERRER_POLICY,
    }


def content_type(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return _TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def cache_control(name: str) -> str:
    """index.html and config.json are revalidated on every load (a deploy shows at once); the
    app's modules are not fingerprinted, so they are cached for minutes, not a year."""
    return "no-cache" if Path(name).name in (INDEX, CONFIG_FILE) else "public, max-age=300"


def site_files(root: Path = WEB_ROOT) -> list[tuple[str, Path]]:
    """Every file of the app as (object key, path), in a stable order."""
    files = sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))
    return [(p.relative_to(root).as_posix(), p) for p in files]

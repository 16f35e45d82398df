"""`hubspoke:api`: the spoke that hosts the items API, its CORS origins, limits, uploads, alarms."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from components.model import (
    DEFAULT_UPLOAD_CONTENT_TYPES,
    LAMBDA_PYTHON_RUNTIMES,
    PERMISSIONS,
    WAF_MANAGED_RULE_GROUPS,
    WAF_RATE_LIMIT_MAX,
    WAF_RATE_LIMIT_MIN,
    ApiConfig,
    ApiEmailConfig,
    VpcConfig,
    WafConfig,
)
from components.validation.fields import (
    MISSING,
    NS,
    Problems,
    as_bool,
    as_int,
    as_list,
    as_mapping,
    as_str,
    each,
)

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)
# An SES identity: an address or a domain (SES API, identities); Cognito's `SourceArn`.
_SES_IDENTITY_ARN = re.compile(
    r"^arn:aws(-cn|-us-gov)?:ses:([a-z]{2}(-[a-z]+)+-\d):(\d{12}):identity/([^\s/]{1,320})$"
)
_SNS_ARN = re.compile(r"^arn:aws(-cn|-us-gov)?:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$")
# Cognito allows more in a group name, but API Gateway hands `cognito:groups` to the function as
# one string ("a,b" or "[a b]"): a comma, a space or a bracket in a name would split it.
_GROUP_NAME = re.compile(r"^[A-Za-z0-9_.@+=-]{1,128}$")
_MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$")


def _origin(value: Any, path: str, problems: Problems) -> str | None:
    text = as_str(value, path, problems)
    if text is None:
        return None
    match = re.match(r"^(https?)://([a-z0-9.-]+)(:\d{1,5})?$", text)
    if not match:
        problems.add(path, text, "must be an origin: scheme://host[:port], no path or trailing /")
        return None
    scheme, host = match.group(1), match.group(2)
    if scheme == "http" and host not in ("localhost", "127.0.0.1"):
        problems.add(path, text, "must use https (http is allowed for localhost only)")
        return None
    return text


def parse_waf(raw: Any, path: str, problems: Problems, is_prod: bool) -> WafConfig | None:
    """`api.waf`: absent = on in prod with the defaults, off elsewhere; `false` = off; an
    object = on, with `enabled: false` to turn it off and keep the settings."""
    if raw is MISSING:
        return WafConfig() if is_prod else None
    if isinstance(raw, bool):
        return WafConfig() if raw else None
    obj = as_mapping(
        raw,
        path,
        problems,
        required=[],
        optional=["enabled", "rateLimitPer5Min", "managedRuleGroups"],
    )
    if obj is None:
        return None
    enabled = as_bool(obj.get("enabled", True), f"{path}.enabled", problems)
    rate = as_int(
        obj.get("rateLimitPer5Min", WafConfig.rate_limit_per_5min),
        f"{path}.rateLimitPer5Min",
        problems,
        WAF_RATE_LIMIT_MIN,
        WAF_RATE_LIMIT_MAX,
    )
    groups = []
    raw_groups = as_list(
        obj.get("managedRuleGroups", list(WafConfig.managed_rule_groups)),
        f"{path}.managedRuleGroups",
        problems,
    )
    for i, name in enumerate(raw_groups or []):
        if name not in WAF_MANAGED_RULE_GROUPS:
            problems.add(
                f"{path}.managedRuleGroups[{i}]",
                name,
                f"is not an AWS managed rule group (allowed: {', '.join(WAF_MANAGED_RULE_GROUPS)})",
            )
        elif name in groups:
            problems.add(f"{path}.managedRuleGroups[{i}]", name, "is listed twice")
        else:
            groups.append(name)
    if not enabled or rate is None:
        return None
    return WafConfig(rate_limit_per_5min=rate, managed_rule_groups=tuple(groups))


def parse_api(
    raw: Any, problems: Problems, spoke_names: set[str] | None, is_prod: bool = False
) -> ApiConfig | None:
    """`spoke_names`: the names written in `hubspoke:spokes`, None when some spoke has no usable
    name (then `api.spoke` is not checked against them: that spoke is already reported)."""
    path = f"{NS}api"
    if raw is MISSING:
        return None
    obj = as_mapping(
        raw, path, problems,
        required=["spoke", "corsOrigins"],
        optional=[
            "throttle", "function", "uploadMaxBytes", "uploadContentTypes", "alarmTopicArn",
            "alarmEmails", "groups", "defaultGroup", "waf", "selfSignUp", "email",
        ],
    )  # fmt: skip
    if obj is None:
        return None
    spoke = as_str(obj.get("spoke", MISSING), f"{path}.spoke", problems)
    if spoke is not None and spoke_names is not None and spoke not in spoke_names:
        known = ", ".join(sorted(spoke_names)) or "none"
        problems.add(
            f"{path}.spoke", spoke, f"is not the name of a spoke in {NS}spokes (known: {known})"
        )
    origins_raw = as_list(
        obj.get("corsOrigins", MISSING), f"{path}.corsOrigins", problems, min_items=1
    )
    origins = each(origins_raw, f"{path}.corsOrigins", lambda v, p: _origin(v, p, problems))
    throttle = (
        as_mapping(
            obj.get("throttle", {}),
            f"{path}.throttle",
            problems,
            required=[],
            optional=["rateLimit", "burstLimit"],
        )
        or {}
    )
    # API Gateway's account-level default is 10,000 rps / 5,000 burst; a stage cannot exceed it.
    rate = as_int(throttle.get("rateLimit", 50), f"{path}.throttle.rateLimit", problems, 1, 10_000)
    burst = as_int(
        throttle.get("burstLimit", 100), f"{path}.throttle.burstLimit", problems, 1, 5_000
    )
    fn = as_mapping(
        obj.get("function", {}), f"{path}.function", problems, required=[],
        optional=["memoryMb", "timeoutSeconds", "reservedConcurrency", "runtime"],
    ) or {}  # fmt: skip
    memory = as_int(fn.get("memoryMb", 256), f"{path}.function.memoryMb", problems, 128, 10_240)
    # API Gateway's integration timeout is 29 s by default: a longer function only times out there.
    timeout = as_int(
        fn.get("timeoutSeconds", 10), f"{path}.function.timeoutSeconds", problems, 1, 29
    )
    reserved = None
    if fn.get("reservedConcurrency") is not None:
        reserved = as_int(
            fn["reservedConcurrency"], f"{path}.function.reservedConcurrency", problems, 1, 1000
        )
    runtime = fn.get("runtime", LAMBDA_PYTHON_RUNTIMES[-1])
    if runtime not in LAMBDA_PYTHON_RUNTIMES:
        problems.add(
            f"{path}.function.runtime",
            runtime,
            f"is not supported (allowed: {', '.join(LAMBDA_PYTHON_RUNTIMES)})",
        )
    # A presigned POST can carry at most 5 GB (S3 PostObject).
    max_bytes = as_int(
        obj.get("uploadMaxBytes", 10 * 1024 * 1024),
        f"{path}.uploadMaxBytes",
        problems,
        1,
        5 * 1024**3,
    )
    content_types = []
    for i, value in enumerate(
        as_list(
            obj.get("uploadContentTypes", list(DEFAULT_UPLOAD_CONTENT_TYPES)),
            f"{path}.uploadContentTypes",
            problems,
            min_items=1,
        )
        or []
    ):
        if isinstance(value, str) and _MEDIA_TYPE.match(value):
            content_types.append(value)
        else:
            problems.add(
                f"{path}.uploadContentTypes[{i}]",
                value,
                "is not a media type (type/subtype in lowercase, e.g. image/png)",
            )
    topic = obj.get("alarmTopicArn")
    if topic is not None and not (isinstance(topic, str) and _SNS_ARN.match(topic)):
        problems.add(f"{path}.alarmTopicArn", topic, "is not an SNS topic ARN")
    emails = []
    for i, value in enumerate(
        as_list(obj.get("alarmEmails", []), f"{path}.alarmEmails", problems) or []
    ):
        if isinstance(value, str) and _EMAIL.match(value):
            emails.append(value)
        else:
            problems.add(f"{path}.alarmEmails[{i}]", value, "is not an email address")
    if topic is not None and emails:
        problems.add(
            f"{path}.alarmEmails",
            emails,
            f"cannot be used with {path}.alarmTopicArn (subscribe the addresses to that topic)",
        )
    waf = parse_waf(obj.get("waf", MISSING), f"{path}.waf", problems, is_prod)
    groups, default_permissions = _roles(obj, path, problems)
    self_sign_up = as_bool(obj.get("selfSignUp", not is_prod), f"{path}.selfSignUp", problems)
    email = parse_email(obj["email"], f"{path}.email", problems) if "email" in obj else None
    if is_prod and self_sign_up and "email" not in obj:
        # Design pitfall 9: with open sign-up anyone can spend the default sender's daily quota.
        problems.add(
            f"{path}.selfSignUp",
            True,
            f"in prod needs {path}.email (an SES identity): with open sign-up and Cognito's "
            "default sender, anyone can spend its daily email quota",
        )
    if (
        None in (spoke, rate, burst, memory, timeout, max_bytes)
        or runtime not in LAMBDA_PYTHON_RUNTIMES
    ):
        return None
    return ApiConfig(
        spoke=spoke,
        cors_origins=origins,
        throttle_rate_limit=float(rate),
        throttle_burst_limit=burst,
        memory_mb=memory,
        timeout_seconds=timeout,
        reserved_concurrency=reserved,
        runtime=runtime,
        upload_max_bytes=max_bytes,
        alarm_topic_arn=topic,
        alarm_emails=tuple(emails),
        upload_content_types=tuple(content_types) or DEFAULT_UPLOAD_CONTENT_TYPES,
        waf=waf,
        groups=groups,
        default_permissions=default_permissions,
        self_sign_up=bool(self_sign_up),
        email=email,
    )


def parse_email(raw: Any, path: str, problems: Problems) -> ApiEmailConfig | None:
    """`api.email: {sesIdentityArn, from, replyTo?}`: `from` must be the identity's address, or
    an address of its domain (SES sends only from a verified identity)."""
    obj = as_mapping(raw, path, problems, required=["sesIdentityArn", "from"], optional=["replyTo"])
    if obj is None:
        return None
    arn = as_str(obj.get("sesIdentityArn", MISSING), f"{path}.sesIdentityArn", problems)
    match = _SES_IDENTITY_ARN.match(arn) if arn is not None else None
    if arn is not None and match is None:
        problems.add(
            f"{path}.sesIdentityArn",
            arn,
            "is not an SES identity ARN (arn:aws:ses:<region>:<account>:identity/<address or "
            "domain>)",
        )
    addresses = {}
    for key in ("from", "replyTo"):
        if key not in obj:
            continue
        value = as_str(obj[key], f"{path}.{key}", problems)
        if value is not None and not _EMAIL.match(value):
            problems.add(f"{path}.{key}", value, "is not an email address")
            value = None
        addresses[key] = value
    sender = addresses.get("from")
    if match is not None and sender is not None:
        identity = match.group(5).lower()
        domain = sender.rsplit("@", 1)[1].lower()
        if "@" in identity:
            sends = sender.lower() == identity
        else:  # a verified domain sends from its addresses and its subdomains' (SES)
            sends = domain == identity or domain.endswith(f".{identity}")
        if not sends:
            problems.add(f"{path}.from", sender, f"is not an address of SES identity {identity}")
            sender = None
    if match is None or sender is None or None in addresses.values():
        return None
    return ApiEmailConfig(arn, sender, addresses.get("replyTo"))


def check_email_identity_region(
    api: ApiConfig | None, spokes: Sequence[VpcConfig], problems: Problems
) -> None:
    """The SES identity in the user pool's region (the API's spoke region). Cognito accepts an
    alternate region only for pools in some regions (developer guide, "Email settings for Amazon
    Cognito user pools", SES Region table); the same region is the one rule that holds in all."""
    if api is None or api.email is None:
        return
    spoke = next((s for s in spokes if s.name == api.spoke), None)
    region = api.email.ses_identity_arn.split(":")[3]
    if spoke is not None and region != spoke.region:
        problems.add(
            f"{NS}api.email.sesIdentityArn",
            api.email.ses_identity_arn,
            f"is in {region}; the user pool of the API is in {spoke.region} (spoke {spoke.name}): "
            "use an SES identity verified in that region",
        )


def _permissions(value: Any, path: str, problems: Problems) -> tuple[str, ...]:
    """A list of distinct permissions out of PERMISSIONS (an empty list: no access)."""
    out: list[str] = []
    for i, permission in enumerate(as_list(value, path, problems) or []):
        if permission not in PERMISSIONS:
            problems.add(
                f"{path}[{i}]",
                permission,
                f"is not a permission (allowed: {', '.join(PERMISSIONS)})",
            )
        elif permission in out:
            problems.add(f"{path}[{i}]", permission, "is listed twice")
        else:
            out.append(permission)
    return tuple(out)


def _roles(
    obj: dict[str, Any], path: str, problems: Problems
) -> tuple[dict[str, tuple[str, ...]], tuple[str, ...]]:
    """`groups: {<cognito group>: [permission, ...]}` and `defaultGroup: [permission, ...]`."""
    raw = obj.get("groups", {})
    groups: dict[str, tuple[str, ...]] = {}
    if not isinstance(raw, dict):
        problems.add(f"{path}.groups", raw, "must be an object: group name -> list of permissions")
        raw = {}
    for name, permissions in raw.items():
        if not isinstance(name, str) or not _GROUP_NAME.match(name):
            problems.add(
                f"{path}.groups.{name}",
                name,
                "is not a group name (1-128 of letters, digits and _ . @ + = -; no comma, space "
                "or bracket, which would split cognito:groups)",
            )
            continue
        groups[name] = _permissions(permissions, f"{path}.groups.{name}", problems)
    default = _permissions(
        obj.get("defaultGroup", list(PERMISSIONS)), f"{path}.defaultGroup", problems
    )
    return groups, default


def check_alarm_topic_region(
    api: ApiConfig | None, spokes: Sequence[VpcConfig], problems: Problems
) -> None:
    """CloudWatch alarms notify only SNS topics in their own region (the API's spoke region)."""
    if api is None or api.alarm_topic_arn is None:
        return
    spoke = next((s for s in spokes if s.name == api.spoke), None)
    topic_region = api.alarm_topic_arn.split(":")[3]
    if spoke is not None and topic_region != spoke.region:
        problems.add(
            f"{NS}api.alarmTopicArn",
            api.alarm_topic_arn,
            f"is in {topic_region}; alarms of the API in {spoke.region} (spoke {spoke.name}) can "
            "only notify a topic in the same region",
        )

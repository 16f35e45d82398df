"""Authorization in the emulator: calls made with a deployment role's credentials are evaluated as
AWS evaluates them, by the engine in `offline/iam` (@cloud-copilot/iam-simulate).

moto answers any credentials. This module hooks the one place every moto service passes before
it runs an operation (`ActionAuthenticatorMixin._authenticate_and_authorize_action`, the hook of
moto's own opt-in IAM mode, which evaluates no resources, conditions or resource policies) and,
for a request signed by an assumed-role session of a role the program created (the items
function, run by the local gateway with its role's credentials):

1. translates the request into (IAM action, resource ARN, context keys): DynamoDB item calls on
   the table or index ARN, S3 object calls (the presigned POST upload included: it is signed with
   the role's credentials) with `aws:SecureTransport` from the request's scheme and `s3:prefix`,
   KMS calls on the key ARN, X-Ray and CloudWatch Logs writes;
2. adds the KMS calls the service makes for the caller when the resource is encrypted with a
   customer managed key: an item call on such a DynamoDB table is also `kms:Decrypt` on the table's
   key by the same principal, with `kms:ViaService` = `dynamodb.<region>.amazonaws.com` and
   `kms:CallerAccount` (DynamoDB decrypts the table key on every access under the caller's
   authority: KMS developer guide, "How Amazon DynamoDB uses AWS KMS"; a write without kms:Decrypt
   fails too, aws/aws-cdk#10010); S3 objects under an SSE-KMS bucket key likewise;
3. evaluates each against the role's inline and attached policies, its permissions boundary, the
   session policy, and the resource's policy (bucket policy, key policy);
4. refuses a denied call with the service's AccessDenied error, and records every evaluated call
   (`Authorizer.calls`) for the least-privilege tests.

Calls with other credentials (the deploy itself, tests reading state) are not evaluated.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.exceptions import JsonRESTError
from moto.s3.exceptions import S3ClientError

from offline.iam import Decision, evaluate_many

if TYPE_CHECKING:
    from offline.emulator.mocks import EmulatorMocks

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([a-z0-9-]+)/([a-z0-9-]+)/")
# DynamoDB operations that read or write item data (the table key is decrypted for each).
_DYNAMODB_DATA = frozenset(
    {"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan"}
)  # fmt: skip
_XRAY = {"TraceSegments": "PutTraceSegments", "TelemetryRecords": "PutTelemetryRecords"}


@dataclass(frozen=True)
class Request:
    """One authorization request AWS makes for a call."""

    action: str
    resource: str
    account: str  # the resource's account
    context: Mapping[str, str] = field(default_factory=dict)
    resource_policy: str | None = None
    via: str = ""  # the service that makes this request for the caller (`dynamodb`), if any


@dataclass(frozen=True)
class Call:
    """One evaluated request: who, what, on what, and the engine's decision."""

    principal: str  # the assumed-role session ARN
    role: str  # the role's ARN
    action: str
    resource: str
    context: tuple[tuple[str, str], ...]
    via: str
    decision: Decision


class Authorizer:
    """Evaluates every moto request signed by a session of a role the program created."""

    def __init__(self, emulator: EmulatorMocks) -> None:
        self.emulator = emulator
        self.calls: list[Call] = []
        self._cache: dict[str, Decision] = {}
        self._lock = threading.Lock()

    # -- who is calling ----------------------------------------------------------------------

    def deployment_roles(self) -> set[str]:
        """The ARNs of the roles the program created (their sessions are authorized)."""
        return {c.outputs["arn"] for c in self.emulator.created if c.type == "aws:iam/role:Role"}

    @staticmethod
    def _session(access_key: str) -> Any:
        from moto.sts.models import sts_backends

        for account in list(sts_backends.keys()):
            for role in sts_backends[account]["aws"].assumed_roles:
                if role.access_key_id == access_key:
                    return role
        return None

    # -- the hook ----------------------------------------------------------------------------

    def check(self, response: Any, resource: str) -> None:
        found = _credential(response)
        if found is None:
            return
        access_key, region, service = found
        session = self._session(access_key)
        if session is None or session.role_arn not in self.deployment_roles():
            return
        requests = _translate(response, service, region, session.account_id, resource)
        self._authorize(session, service, requests)

    def check_post_upload(self, access_key: str, region: str, bucket: str, key: str) -> None:
        """A presigned POST upload received by an endpoint that stores it in moto itself (the
        local gateway's S3 stand-in, which plays S3's HTTPS endpoint): s3:PutObject by the
        signer, as S3 authorizes it. Raises the S3 AccessDenied error when refused."""
        session = self._session(access_key)
        if session is None or session.role_arn not in self.deployment_roles():
            return
        arn = f"arn:aws:s3:::{bucket}/{key}"
        requests = _s3_requests("PutObject", arn, {}, "https", region, session.account_id)
        self._authorize(session, "s3", requests)

    def _authorize(self, session: Any, service: str, requests: list[Request]) -> None:
        decisions = self._evaluate(session, requests)
        for request, decision in zip(requests, decisions, strict=True):
            with self._lock:
                self.calls.append(
                    Call(
                        session.arn,
                        session.role_arn,
                        request.action,
                        request.resource,
                        tuple(sorted(request.context.items())),
                        request.via,
                        decision,
                    )
                )
            if not decision.allowed:
                raise _denied(service, session.arn, request, decision)

    # -- evaluation --------------------------------------------------------------------------

    def _evaluate(self, session: Any, requests: list[Request]) -> list[Decision]:
        identity, boundary = role_policies(session.role_arn)
        simulations = []
        for r in requests:
            simulation: dict[str, Any] = {
                "request": {
                    "principal": session.arn,
                    "action": r.action,
                    "resource": {"resource": r.resource, "accountId": r.account},
                    "contextVariables": dict(r.context),
                },
                "identityPolicies": identity,
            }
            if boundary:
                simulation["permissionBoundaryPolicies"] = boundary
            if session.policy:
                simulation["sessionPolicy"] = json.loads(session.policy)
            if r.resource_policy:
                simulation["resourcePolicy"] = json.loads(r.resource_policy)
            simulations.append(simulation)
        keys = [
            hashlib.sha256(json.dumps(s, sort_keys=True).encode()).hexdigest() for s in simulations
        ]
        missing = [(k, s) for k, s in zip(keys, simulations, strict=True) if k not in self._cache]
        if missing:
            answers = evaluate_many([s for _, s in missing])
            for (k, _), answer in zip(missing, answers, strict=True):
                self._cache[k] = answer
        return [self._cache[k] for k in keys]


def role_policies(role_arn: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A role's identity policies (inline by name, attached by ARN) and its permissions boundary,
    read from moto's IAM, in the engine's shape."""
    from moto.iam.models import iam_backends

    backend = iam_backends[role_arn.split(":")[4]]["aws"]
    role = backend.get_role_by_arn(role_arn)
    identity = [{"name": name, "policy": json.loads(doc)} for name, doc in role.policies.items()]
    for arn, policy in role.managed_policies.items():
        identity.append({"name": arn, "policy": _default_version(policy)})
    boundary = []
    if role.permissions_boundary_arn:
        policy = _boundary(backend, role.permissions_boundary_arn)
        boundary.append({"name": role.permissions_boundary_arn, "policy": _default_version(policy)})
    return identity, boundary


def _boundary(backend: Any, arn: str) -> Any:
    """The boundary policy from moto. The program's roles name the bootstrap's workload boundary,
    which the bootstrap program (not this one) creates in every account: the emulator puts the
    bootstrap's own document there the first time a role needs it, as if bootstrapped."""
    from moto.iam.exceptions import NotFoundException

    from bootstrap.baseline.policies import WORKLOAD_BOUNDARY, workload_boundary

    try:
        return backend.get_policy(arn)
    except NotFoundException:
        if arn != f"arn:aws:iam::{arn.split(':')[4]}:policy/{WORKLOAD_BOUNDARY}":
            raise
        document = json.dumps(workload_boundary())
        return backend.create_policy(
            "bootstrap workload boundary", "/", document, WORKLOAD_BOUNDARY, []
        )


def _default_version(policy: Any) -> dict[str, Any]:
    document = next(v.document for v in policy.versions if v.is_default)
    return json.loads(document) if isinstance(document, str) else document


# -- requests: what AWS authorizes for one call ------------------------------------------------


def _credential(response: Any) -> tuple[str, str, str] | None:
    """(access key, region, signing service) from the Authorization header, a presigned URL's
    query string or a presigned POST's form fields."""
    found = _CREDENTIAL.search(response.headers.get("Authorization") or "")
    if found:
        return found.group(1), found.group(2), found.group(3)
    for name, values in (response.querystring or {}).items():
        if name.lower() == "x-amz-credential":
            value = values[0] if isinstance(values, list) else values
            parts = value.split("/")
            if len(parts) >= 4:
                return parts[0], parts[2], parts[3]
        if name == "AWSAccessKeyId":  # a SigV2 presigned URL or POST (S3 only)
            value = values[0] if isinstance(values, list) else values
            return value, response.region, "s3"
    return None


def _translate(
    response: Any, service: str, region: str, caller_account: str, resource: str
) -> list[Request]:
    if service == "sts" and response._get_action() == "GetCallerIdentity":
        return []  # needs no permission: AWS answers it even under an explicit deny
    if service == "dynamodb":
        return _dynamodb(response, region, caller_account)
    if service == "s3":
        return _s3(response, region, caller_account, resource)
    if service == "kms":
        return [_kms_direct(response, region, caller_account)]
    if service == "xray":
        operation = _XRAY.get(response._get_action(), response._get_action())
        return [Request(f"xray:{operation}", "*", caller_account)]
    if service == "logs":
        return [_logs(response, region, caller_account)]
    # Fail loudly rather than let a call through unevaluated (as for an unmapped resource type).
    raise JsonRESTError(
        "AccessDeniedException",
        f"the emulator does not authorize {service}:{response._get_action()} yet "
        "(add it in offline/emulator/authorization.py)",
    )


def _dynamodb(response: Any, region: str, caller_account: str) -> list[Request]:
    from moto.dynamodb.models import dynamodb_backends
    from moto.kms.models import kms_backends

    operation = response._get_action()
    params = response.body if isinstance(response.body, dict) else json.loads(response.body or "{}")
    name = params.get("TableName", "")
    account = name.split(":")[4] if name.startswith("arn:") else caller_account
    table_arn = (
        name if name.startswith("arn:") else f"arn:aws:dynamodb:{region}:{account}:table/{name}"
    )
    name = table_arn.rsplit("/", 1)[-1]
    arn = table_arn
    if params.get("IndexName") and operation in ("Query", "Scan"):
        arn = f"{table_arn}/index/{params['IndexName']}"
    requests = [Request(f"dynamodb:{operation}", arn, account)]
    if operation not in _DYNAMODB_DATA:
        return requests
    try:
        table = dynamodb_backends[account][region].get_table(name)
    except Exception:  # no such table: DynamoDB's own ResourceNotFoundException follows
        return requests
    sse = table.sse_specification or {}
    key_id = sse.get("KMSMasterKeyId") if sse.get("Enabled") else None
    if key_id:
        key = kms_backends[account][region].describe_key(key_id)
        if key.key_manager == "CUSTOMER":
            context = {
                "kms:ViaService": f"dynamodb.{region}.amazonaws.com",
                "kms:CallerAccount": caller_account,
            }
            requests.append(
                Request("kms:Decrypt", key.arn, account, context, key.policy, via="dynamodb")
            )
    return requests


def _s3(response: Any, region: str, caller_account: str, resource: str) -> list[Request]:
    operation = response._get_action()
    arn = resource
    if operation == "PutObject" and "/" not in arn.removeprefix("arn:aws:s3:::"):
        key = (response.querystring.get("key") or [""])[0]  # a POST upload: the key is a field
        arn = f"{arn}/{key}"
    scheme = response.parsed_url.scheme or "https"
    return _s3_requests(operation, arn, response.querystring, scheme, region, caller_account)


def _s3_requests(
    operation: str,
    arn: str,
    querystring: Mapping[str, Any],
    scheme: str,
    region: str,
    caller_account: str,
) -> list[Request]:
    from moto.kms.models import kms_backends
    from moto.s3.models import s3_backends

    bucket_name = arn.removeprefix("arn:aws:s3:::").split("/", 1)[0]
    account = s3_backends.bucket_accounts.get(bucket_name, ("aws", caller_account))[1]
    context = {"aws:SecureTransport": "true" if scheme == "https" else "false"}
    if operation in ("ListObjects", "ListObjectsV2") and querystring.get("prefix"):
        context["s3:prefix"] = querystring["prefix"][0]
    bucket = s3_backends[account]["aws"].buckets.get(bucket_name)
    policy = bucket.policy.decode() if bucket is not None and bucket.policy else None
    action = "s3:ListBucket" if operation in ("ListObjects", "ListObjectsV2") else f"s3:{operation}"
    requests = [Request(action, arn, account, context, policy)]
    kms_action = {"PutObject": "kms:GenerateDataKey", "GetObject": "kms:Decrypt"}.get(operation)
    rule = ((bucket.encryption or {}).get("Rule") or {}) if bucket is not None else {}
    default = rule.get("ApplyServerSideEncryptionByDefault") or {}
    if kms_action and default.get("SSEAlgorithm") == "aws:kms" and default.get("KMSMasterKeyID"):
        key = kms_backends[account][region].describe_key(default["KMSMasterKeyID"])
        if key.key_manager == "CUSTOMER":
            via = {
                "kms:ViaService": f"s3.{region}.amazonaws.com",
                "kms:CallerAccount": caller_account,
            }
            requests.append(Request(kms_action, key.arn, account, via, key.policy, via="s3"))
    return requests


def _kms_direct(response: Any, region: str, caller_account: str) -> Request:
    from moto.kms.models import kms_backends

    params = json.loads(response.body or "{}")
    key = kms_backends[caller_account][region].describe_key(params.get("KeyId", ""))
    return Request(f"kms:{response._get_action()}", key.arn, caller_account, {}, key.policy)


def _logs(response: Any, region: str, caller_account: str) -> Request:
    params = json.loads(response.body or "{}")
    arn = f"arn:aws:logs:{region}:{caller_account}:log-group:{params.get('logGroupName', '')}"
    if params.get("logStreamName"):
        arn += f":log-stream:{params['logStreamName']}"
    return Request(f"logs:{response._get_action()}", arn, caller_account)


# -- AWS's error for a denied call --------------------------------------------------------------


def denial_message(principal: str, request: Request, decision: Decision) -> str:
    """The sentence AWS writes for a denial, naming the policy type that decided it."""
    head = (
        f"User: {principal} is not authorized to perform: {request.action} on resource: "
        f"{request.resource}"
    )
    if decision.result == "ExplicitlyDenied":
        kind = "a resource-based policy" if decision.resource == "ExplicitlyDenied" else None
        if decision.boundary == "ExplicitlyDenied":
            kind = "a permissions boundary"
        return f"{head} with an explicit deny in {kind or 'an identity-based policy'}"
    if decision.identity == "Allowed" and decision.boundary not in (None, "Allowed"):
        return f"{head} because no permissions boundary allows the {request.action} action"
    if decision.identity == "Allowed":
        return f"{head} because no resource-based policy allows the {request.action} action"
    return f"{head} because no identity-based policy allows the {request.action} action"


class S3AccessDenied(S3ClientError):
    code = 403

    def __init__(self, message: str) -> None:
        super().__init__("AccessDenied", message)


def _denied(service: str, principal: str, request: Request, decision: Decision) -> Exception:
    if request.via == "dynamodb":
        # What DynamoDB answers when the caller may not use the table's key (aws/aws-cdk#10010).
        return JsonRESTError(
            "AccessDeniedException",
            "KMS key access denied error: com.amazonaws.services.kms.model.AWSKMSException: "
            "The ciphertext refers to a customer master key that does not exist, does not exist "
            "in this region, or you are not allowed to access. (Service: AWSKMS; Status Code: "
            f"400; Error Code: AccessDeniedException; Request ID: {uuid.uuid4()}; Proxy: null)",
        )
    message = denial_message(principal, request, decision)
    if service == "s3":
        return S3AccessDenied(message)
    # DynamoDB, KMS, Logs, X-Ray: AccessDeniedException, HTTP 400 (JSON protocols, common errors).
    return JsonRESTError("AccessDeniedException", message)


# -- installing the hook ------------------------------------------------------------------------

_ORIGINAL = ActionAuthenticatorMixin._authenticate_and_authorize_action
_ACTIVE: Authorizer | None = None


def _hook(self: Any, iam_request_cls: type, resource: str = "*") -> None:
    _ORIGINAL(self, iam_request_cls, resource)  # moto's own (off unless enabled)
    if _ACTIVE is not None:
        _ACTIVE.check(self, resource)


def install(authorizer: Authorizer) -> None:
    """Evaluate moto's requests with `authorizer` until `uninstall()`."""
    global _ACTIVE
    _ACTIVE = authorizer
    ActionAuthenticatorMixin._authenticate_and_authorize_action = _hook  # type: ignore[method-assign]


def uninstall() -> None:
    global _ACTIVE
    _ACTIVE = None
    ActionAuthenticatorMixin._authenticate_and_authorize_action = _ORIGINAL  # type: ignore[method-assign]

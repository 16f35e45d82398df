"""Pulumi mocks that record every registration, for the tests and the offline plan.

`RecordingMonitor` wraps Pulumi's mock monitor to keep what the plain `Mocks` interface does not
see: parent, provider, dependencies and the protect / retain-on-delete options. `FakeAws` answers
resource creation and invokes the way the AWS provider would, in the account and region of the
provider the resource was given, so ids and ARNs show which account a resource lands in.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs

from components.model import FIREWALL_MANAGED_LISTS, REGION_AZ_COUNTS, REGION_AZ_ID_PREFIXES

PROVIDER_TYPE = "pulumi:providers:aws"
DOMAIN_LIST_LOOKUP = "aws:route53/getResolverFirewallDomainList:getResolverFirewallDomainList"


def managed_domain_list_id(region: str, name: str) -> str:
    """The id the offline AWS gives the AWS managed domain list `name` in `region` (on AWS each
    region has its own ids, which `aws route53resolver list-firewall-domain-lists` shows). The
    stack files' ids are these: they exist offline only, so a deploy fails at the lookup."""
    digest = hashlib.sha256(f"aws-managed-domain-list/{region}/{name}".encode()).hexdigest()
    return f"rslvr-fdl-{digest[:17]}"


def managed_domain_list(region: str, list_id: str) -> dict[str, Any]:
    """GetFirewallDomainList of an AWS managed list, as the provider returns it; an id that is
    not one of `region`'s managed lists is not found, as on AWS."""
    for name in FIREWALL_MANAGED_LISTS:
        if managed_domain_list_id(region, name) == list_id:
            return {
                "id": list_id,
                "firewallDomainListId": list_id,
                "name": name,
                "managedOwnerName": "Route 53 Resolver DNS Firewall",
                "status": "COMPLETE",
                "region": region,
            }
    raise LookupError(
        f"reading Route53 Resolver Firewall Domain List ({list_id}): couldn't find resource "
        f"(ResourceNotFoundException in {region})"
    )


@dataclass
class Registration:
    """One resource as the engine saw it."""

    urn: str
    type: str
    name: str
    id: str
    parent: str
    provider: str  # "urn::id" of the provider, "" for components
    custom: bool
    protect: bool
    retain_on_delete: bool
    dependencies: list[str]
    inputs: dict[str, Any]
    outputs: dict[str, Any]
    # Inputs the engine keeps from state after the first create (`ignore_changes`).
    ignore_changes: list[str] = field(default_factory=list)
    # `aliases` as sent: {"urn": ...} or a spec {"name", "type", "parentUrn", "noParent", ...}.
    aliases: list[dict[str, Any]] = field(default_factory=list)
    delete_before_replace: bool = False
    replace_on_changes: list[str] = field(default_factory=list)
    # The resources each input's value came from (what the engine calls property dependencies).
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    # URNs this resource was known by before (`aliases`), so a moved resource is not replaced.
    alias_urns: list[str] = field(default_factory=list)

    @property
    def provider_urn(self) -> str:
        return self.provider.rsplit("::", 1)[0] if self.provider else ""


@dataclass(frozen=True)
class ProviderInfo:
    account_id: str
    region: str


@dataclass
class FakeAws(pulumi.runtime.Mocks):
    """Answers like the AWS provider: echoes inputs and adds the ids and ARNs AWS would compute."""

    preview: bool = False
    default_region: str = "eu-west-1"
    default_account: str = "123456789012"
    providers: dict[str, ProviderInfo] = field(default_factory=dict)  # by provider URN
    # AZ id -> state (`impaired`, `unavailable`) for the zones that are not `available`.
    zone_states: dict[str, str] = field(default_factory=dict)

    def configure(self, config: Mapping[str, Any]) -> None:
        """What the mocks learn from the stack's config before the program runs, as the provider
        and AWS know it beforehand: the default region."""
        region = config.get("aws:region")
        if isinstance(region, str):
            self.default_region = region

    def account_of(self, provider_ref: str | None) -> ProviderInfo:
        """The account and region of a provider reference ("urn::id"). Keyed by the URN: in
        preview the id is unknown, yet the provider's account and region are known inputs."""
        info = self.providers.get((provider_ref or "").rsplit("::", 1)[0])
        return info or ProviderInfo(self.default_account, self.default_region)

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict]:
        if args.typ == PROVIDER_TYPE:
            return ("" if self.preview else f"{args.name}-provider-id"), dict(args.inputs)
        if self.preview:
            # `pulumi preview` knows only the inputs: ids and computed attributes stay unknown.
            return "", dict(args.inputs)
        where = self.account_of(args.provider)
        digest = hashlib.sha256(f"{args.typ}/{args.name}".encode()).hexdigest()[:17]
        resource_id = f"{_short_type(args.typ)}-{digest}"
        outputs = dict(args.inputs)
        service = args.typ.split(":")[1].split("/")[0]
        if "name" not in outputs and args.typ.startswith("aws:"):
            outputs["name"] = f"{args.name}-{digest[:7]}"
        outputs.update(_computed(args.typ, resource_id, digest, outputs, where))
        outputs.setdefault(
            "arn", f"arn:aws:{service}:{where.region}:{where.account_id}:{resource_id}"
        )
        outputs.setdefault("ownerId", where.account_id)
        return resource_id, outputs

    def availability_zones(self, where: ProviderInfo, args: dict[str, Any]) -> dict[str, Any]:
        """The region's zones as the provider answers: sorted by name, ids in the same order.
        Names map to ids per account, as AWS maps them in its older regions (a rotation by the
        account id's CRC here), so only ids name the same zone in two accounts. `state` filters."""
        count = REGION_AZ_COUNTS.get(where.region, 3)
        prefix = REGION_AZ_ID_PREFIXES.get(where.region, where.region.replace("-", "")[:5])
        shift = zlib.crc32(where.account_id.encode()) % count
        zones = [
            (f"{where.region}{letter}", f"{prefix}-az{(i + shift) % count + 1}")
            for i, letter in enumerate("abcdefgh"[:count])
        ]
        state = args.get("state")
        zones = [z for z in zones if not state or self.zone_states.get(z[1], "available") == state]
        return {
            "names": [name for name, _ in zones],
            "zoneIds": [zone_id for _, zone_id in zones],
            "id": where.region,
        }

    def call(self, args: MockCallArgs) -> dict:
        where = self.account_of(args.provider)
        token = args.token
        if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            return self.availability_zones(where, args.args)
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": where.account_id,
                "arn": f"arn:aws:sts::{where.account_id}:assumed-role/hubspoke-deploy/hubspoke",
                "userId": "AROAEXAMPLE:hubspoke",
                "id": where.account_id,
            }
        if token == "aws:index/getRegion:getRegion":
            return {"name": where.region, "region": where.region, "id": where.region}
        if token == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}
        if token == "aws:ec2/getPrefixList:getPrefixList":
            name = args.args.get("name", "")
            return {"id": f"pl-{_short_hash(name)}", "name": name, "cidrBlocks": []}
        if token == "aws:secretsmanager/getRandomPassword:getRandomPassword":
            # Fixed per account and region, so two runs register the same inputs; real runs
            # differ, which `ignore_changes` on the consumer absorbs.
            length = int(args.args.get("passwordLength", 32))
            seed = hashlib.sha256(f"random-password/{where.account_id}/{where.region}".encode())
            return {"randomPassword": (seed.hexdigest() * 4)[:length], "id": where.region}
        if token == DOMAIN_LIST_LOOKUP:
            return managed_domain_list(where.region, args.args["firewallDomainListId"])
        if token == "aws:ssm/getParameter:getParameter":
            name = args.args["name"]
            return {"name": name, "value": _ssm_parameter_value(name, where), "id": name}
        raise NotImplementedError(f"the offline mocks do not answer the invoke {token}")


def _computed(
    typ: str, resource_id: str, digest: str, inputs: dict, where: ProviderInfo
) -> dict[str, Any]:
    """Attributes AWS computes that the program reads, shaped like the real ones (inputs are
    echoed by `new_resource`)."""
    region, account = where.region, where.account_id
    name = inputs.get("name") or resource_id
    if typ == "aws:ec2/vpcEndpoint:VpcEndpoint" and inputs.get("vpcEndpointType") == "Gateway":
        return {"prefixListId": f"pl-{_short_hash(inputs.get('serviceName', ''))}"}
    if typ == "aws:apigateway/restApi:RestApi":
        return {
            "rootResourceId": f"root-{resource_id[-6:]}",
            "executionArn": f"arn:aws:execute-api:{region}:{account}:{resource_id}",
            "arn": f"arn:aws:apigateway:{region}::/restapis/{resource_id}",
        }
    if typ == "aws:apigateway/stage:Stage":
        api, stage = inputs.get("restApi"), inputs.get("stageName")
        return {
            "invokeUrl": f"https://{api}.execute-api.{region}.amazonaws.com/{stage}",
            "executionArn": f"arn:aws:execute-api:{region}:{account}:{api}/{stage}",
            # No account in a stage ARN (what a web ACL association takes).
            "arn": f"arn:aws:apigateway:{region}::/restapis/{api}/stages/{stage}",
        }
    if typ == "aws:wafv2/webAcl:WebAcl":
        scope = str(inputs.get("scope", "REGIONAL")).lower()
        return {"arn": f"arn:aws:wafv2:{region}:{account}:{scope}/webacl/{name}/{resource_id}"}
    if typ == "aws:lambda/function:Function":
        arn = f"arn:aws:lambda:{region}:{account}:function:{name}"
        invoke = f"arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations"
        return {"arn": arn, "invokeArn": invoke}
    if typ == "aws:dynamodb/table:Table":
        return {"arn": f"arn:aws:dynamodb:{region}:{account}:table/{name}"}
    if typ == "aws:cloudwatch/logGroup:LogGroup":
        return {"arn": f"arn:aws:logs:{region}:{account}:log-group:{name}"}
    if typ == "aws:s3/bucket:Bucket":
        return {
            "arn": f"arn:aws:s3:::{resource_id}",
            "bucket": resource_id,
            "bucketRegionalDomainName": f"{resource_id}.s3.{region}.amazonaws.com",
        }
    if typ == "aws:cloudfront/distribution:Distribution":
        # Global: an ARN without region, a domain under cloudfront.net.
        return {
            "arn": f"arn:aws:cloudfront::{account}:distribution/{resource_id}",
            "domainName": f"d{digest[:13]}.cloudfront.net",
        }
    if typ == "aws:kms/key:Key":
        return {"arn": f"arn:aws:kms:{region}:{account}:key/{resource_id}", "keyId": resource_id}
    if typ == "aws:sns/topic:Topic":
        return {"arn": f"arn:aws:sns:{region}:{account}:{name}"}
    if typ == "aws:cognito/userPool:UserPool":
        return {"arn": f"arn:aws:cognito-idp:{region}:{account}:userpool/{resource_id}"}
    if typ == "aws:route53/zone:Zone":
        return {"zoneId": f"Z{digest[:13].upper()}"}
    if typ == "aws:ec2/vpnConnection:VpnConnection":
        # Documentation range (RFC 5737), like the addresses AWS hands out for the two tunnels.
        octet = int(digest[:2], 16) % 120 + 1
        on_gateway = inputs.get("transitGatewayId")
        return {
            "tunnel1Address": f"198.51.100.{octet}",
            "tunnel2Address": f"198.51.100.{octet + 1}",
            # On a transit gateway the connection is an attachment of it.
            **({"transitGatewayAttachmentId": f"tgw-attach-{digest}"} if on_gateway else {}),
        }
    return {}


def _comparable(value: Any) -> Any:
    """Inputs with assets and archives as plain dicts, so two runs' inputs compare equal when the
    engine would see no change (asset objects have no equality of their own)."""
    if isinstance(value, pulumi.AssetArchive):
        return {"assetArchive": {k: _comparable(v) for k, v in value.assets.items()}}
    if isinstance(value, pulumi.FileArchive | pulumi.FileAsset):
        return {type(value).__name__: value.path}
    if isinstance(value, pulumi.StringAsset):
        return {"StringAsset": value.text}
    if isinstance(value, dict):
        return {k: _comparable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    return value


def _short_type(typ: str) -> str:
    return typ.rsplit(":", 1)[-1].lower()[:12]


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def _ssm_parameter_value(name: str, where: ProviderInfo) -> str:
    """Public SSM parameters the program reads (the Powertools layer ARN)."""
    if name.startswith("/aws/service/powertools/python/"):
        arch = name.split("/")[5]
        suffix = "-Arm64" if arch == "arm64" else ""
        runtime = name.split("/")[6].replace(".", "")
        return (
            f"arn:aws:lambda:{where.region}:017000801446:layer:"
            f"AWSLambdaPowertoolsPythonV3-{runtime}-{arch}{suffix}:1"
        )
    raise NotImplementedError(f"the offline mocks do not know the SSM parameter {name}")


def _alias(alias: Any) -> dict[str, Any]:
    """One `Alias` of a registration request as a plain dict."""
    if alias.WhichOneof("alias") == "urn":
        return {"urn": alias.urn}
    spec = alias.spec
    return {
        "name": spec.name,
        "type": spec.type,
        "stack": spec.stack,
        "project": spec.project,
        "parentUrn": spec.parentUrn,
        "noParent": spec.noParent,
    }


@dataclass(frozen=True)
class InFlight:
    """The registration the mocks' `new_resource` is answering: its URN and what it depends on
    (`MockResourceArgs` carries neither)."""

    urn: str
    dependencies: tuple[str, ...]


# Set by RecordingMonitor around each `new_resource` (same thread): the emulator orders what a
# registration may see by what it depends on (offline/emulator/ram.py).
IN_FLIGHT: ContextVar[InFlight | None] = ContextVar("IN_FLIGHT", default=None)


class RecordingMonitor(MockMonitor):
    """The mock monitor, plus a record of each registration with its resource options."""

    def __init__(self, mocks: FakeAws):
        super().__init__(mocks)
        self.fake = mocks
        self.registrations: list[Registration] = []

    def RegisterResource(self, request):
        urn = self.make_urn(request.parent, request.type, request.name)
        token = IN_FLIGHT.set(InFlight(urn, tuple(request.dependencies)))
        try:
            response = super().RegisterResource(request)
        finally:
            IN_FLIGHT.reset(token)
        if request.type == "pulumi:pulumi:Stack":
            return response
        state = self.resources[response.urn].state
        if request.type == PROVIDER_TYPE:
            allowed = state.get("allowedAccountIds") or []
            if isinstance(allowed, str):
                allowed = json.loads(allowed)
            self.fake.providers[response.urn] = ProviderInfo(
                account_id=allowed[0] if allowed else self.fake.default_account,
                region=state.get("region") or self.fake.default_region,
            )
        inputs = pulumi.runtime.rpc.deserialize_properties(request.object)
        self.registrations.append(
            Registration(
                urn=response.urn,
                type=request.type,
                name=request.name,
                id=response.id,
                parent=request.parent,
                provider=request.provider,
                custom=request.custom,
                protect=request.protect,
                retain_on_delete=request.retainOnDelete,
                dependencies=list(request.dependencies),
                inputs=_comparable(dict(inputs)),
                outputs=dict(state),
                ignore_changes=list(request.ignoreChanges),
                aliases=[_alias(a) for a in request.aliases],
                delete_before_replace=request.deleteBeforeReplace,
                replace_on_changes=list(request.replaceOnChanges),
                property_dependencies={
                    key: list(deps.urns) for key, deps in request.propertyDependencies.items()
                },
                alias_urns=self._alias_urns(request),
            )
        )
        return response

    def _alias_urns(self, request) -> list[str]:
        """The URNs a registration's aliases name, made the way this monitor makes URNs."""
        found = list(request.aliasURNs)
        for alias in request.aliases:
            if alias.urn:
                found.append(alias.urn)
                continue
            spec = alias.spec
            parent = "" if spec.noParent else (spec.parentUrn or request.parent)
            found.append(
                self.make_urn(parent, spec.type or request.type, spec.name or request.name)
            )
        return found

"""The policy pack's rules as pure functions, so they are unit-tested without a policy server.

Resource rules take `(type, props)` (the resource's inputs, camelCase as the engine sees them) and
return violation messages. Stack rules take every resource of the stack and return
`(urn, message)` pairs. `policy/__main__.py` wraps both into CrossGuard policies; the tests feed
them hand-written resources and every resource the real stack files register under mocks.

Values the engine does not know yet (ids during `pulumi preview`) raise `UnknownValueError` when the
pack reads them; CrossGuard then reports that the rule could not be checked. Stack rules therefore
look at the dependency graph (`property_dependencies`) before reading ids.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
SECURITY_GROUP_INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
IAM_ROLE = "aws:iam/role:Role"
IAM_ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
IAM_POLICY = "aws:iam/policy:Policy"
IAM_USER_POLICY = "aws:iam/userPolicy:UserPolicy"
IAM_GROUP_POLICY = "aws:iam/groupPolicy:GroupPolicy"
DYNAMODB_TABLE = "aws:dynamodb/table:Table"
S3_BUCKET = "aws:s3/bucket:Bucket"
S3_BUCKET_V2 = "aws:s3/bucketV2:BucketV2"  # the deprecated name of the same resource
S3_PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
APIGW_METHOD = "aws:apigateway/method:Method"
APIGW_RESOURCE = "aws:apigateway/resource:Resource"
VPC = "aws:ec2/vpc:Vpc"
FLOW_LOG = "aws:ec2/flowLog:FlowLog"
SUBNET = "aws:ec2/subnet:Subnet"
RESOLVER_ENDPOINT = "aws:route53/resolverEndpoint:ResolverEndpoint"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
FIREWALL_ASSOCIATION = (
    "aws:route53/resolverFirewallRuleGroupAssociation:ResolverFirewallRuleGroupAssociation"
)
QUERY_LOG_ASSOCIATION = (
    "aws:route53/resolverQueryLogConfigAssociation:ResolverQueryLogConfigAssociation"
)
AWS_PROVIDER = "pulumi:providers:aws"

# Every (type, property) a rule reads; tests check each against the pulumi-aws SDK so a renamed
# property cannot turn a rule into one that silently passes.
INSPECTED: tuple[tuple[str, str], ...] = (
    (SECURITY_GROUP, "ingress"),
    (DEFAULT_SECURITY_GROUP, "ingress"),
    (SECURITY_GROUP_RULE, "type"),
    (SECURITY_GROUP_RULE, "cidrBlocks"),
    (SECURITY_GROUP_RULE, "ipv6CidrBlocks"),
    (SECURITY_GROUP_INGRESS_RULE, "cidrIpv4"),
    (SECURITY_GROUP_INGRESS_RULE, "cidrIpv6"),
    (IAM_ROLE, "inlinePolicies"),
    (IAM_ROLE_POLICY, "policy"),
    (IAM_POLICY, "policy"),
    (IAM_USER_POLICY, "policy"),
    (IAM_GROUP_POLICY, "policy"),
    (DYNAMODB_TABLE, "serverSideEncryption"),
    (DYNAMODB_TABLE, "pointInTimeRecovery"),
    (S3_PUBLIC_ACCESS_BLOCK, "bucket"),
    (S3_PUBLIC_ACCESS_BLOCK, "blockPublicAcls"),
    (S3_PUBLIC_ACCESS_BLOCK, "blockPublicPolicy"),
    (S3_PUBLIC_ACCESS_BLOCK, "ignorePublicAcls"),
    (S3_PUBLIC_ACCESS_BLOCK, "restrictPublicBuckets"),
    (S3_BUCKET, "bucket"),
    (APIGW_METHOD, "authorization"),
    (APIGW_METHOD, "httpMethod"),
    (APIGW_METHOD, "resourceId"),
    (APIGW_RESOURCE, "parentId"),
    (APIGW_RESOURCE, "pathPart"),
    (APIGW_RESOURCE, "path"),
    (FLOW_LOG, "vpcId"),
    (SUBNET, "availabilityZone"),
    (SUBNET, "availabilityZoneId"),
    (RESOLVER_ENDPOINT, "ipAddresses"),
    (LOG_GROUP, "retentionInDays"),
    (LOG_GROUP, "kmsKeyId"),
    (APIGW_METHOD, "requestValidatorId"),
    (FIREWALL_ASSOCIATION, "vpcId"),
    (QUERY_LOG_ASSOCIATION, "resourceId"),
    (VPC, "tagsAll"),
)


@dataclass(frozen=True)
class Resource:
    """One resource of a stack, as a stack rule sees it (the pack's `PolicyResource`, simplified).

    `props` are the resource's outputs (inputs plus what AWS computed); `id` is None while unknown;
    `property_dependencies` maps a property to the URNs of the resources its value came from.
    """

    type: str
    name: str
    urn: str
    props: Mapping[str, Any]
    id: str | None = None
    property_dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


ResourceCheck = Callable[[str, Mapping[str, Any]], list[str]]
StackCheck = Callable[[Sequence[Resource]], list[tuple[str, str]]]


def _items(value: Any) -> list[Any]:
    """A property that may be absent, a single value or a list, as a list."""
    if value is None:
        return []
    if isinstance(value, str | Mapping):
        return [value]
    if isinstance(value, Sequence):
        return list(value)
    return [value]


def _is_everywhere(cidr: Any) -> bool:
    """True for 0.0.0.0/0, ::/0 and anything else with a zero-length prefix."""
    try:
        return ipaddress.ip_network(str(cidr), strict=False).prefixlen == 0
    except ValueError:
        return False


# --- no ingress from anywhere ---------------------------------------------------------------


def open_ingress(type_: str, props: Mapping[str, Any]) -> list[str]:
    """No security group rule lets traffic in from 0.0.0.0/0 or ::/0."""
    rules: list[Mapping[str, Any]] = []
    if type_ in (SECURITY_GROUP, DEFAULT_SECURITY_GROUP):
        rules = [r for r in _items(props.get("ingress")) if isinstance(r, Mapping)]
    elif type_ == SECURITY_GROUP_RULE and props.get("type") == "ingress":
        rules = [props]
    elif type_ == SECURITY_GROUP_INGRESS_RULE:
        rules = [{"cidrBlocks": props.get("cidrIpv4"), "ipv6CidrBlocks": props.get("cidrIpv6")}]
    problems = []
    for rule in rules:
        for key in ("cidrBlocks", "ipv6CidrBlocks"):
            for cidr in _items(rule.get(key)):
                if _is_everywhere(cidr):
                    problems.append(
                        f"ingress from {cidr} lets the whole internet in: allow the CIDRs or "
                        "security groups that need access"
                    )
    return problems


# --- IAM: no wildcard actions, no wildcard resources on data -------------------------------

# Services whose actions read or write the data this project keeps (tables, objects, keys,
# secrets, messages, logs). On these a `*` resource means "every table/bucket/key in the account".
DATA_SERVICES = frozenset(
    {"dynamodb", "s3", "kms", "secretsmanager", "ssm", "sqs", "sns", "kinesis", "firehose", "logs"}
)
# Account-level actions of those services that AWS authorizes only against "*" (Service
# Authorization Reference: no resource type), so a `*` resource is the only correct value.
STAR_ONLY_ACTIONS = frozenset(
    a.lower()
    for a in (
        "s3:ListAllMyBuckets",
        "dynamodb:ListTables",
        "dynamodb:DescribeLimits",
        "dynamodb:DescribeEndpoints",
        "kms:ListKeys",
        "kms:ListAliases",
        "kms:CreateKey",
        "secretsmanager:ListSecrets",
        "secretsmanager:GetRandomPassword",
        "ssm:DescribeParameters",
        "sqs:ListQueues",
        "sns:ListTopics",
        "kinesis:ListStreams",
        "logs:DescribeLogGroups",
    )
)


def _policy_documents(type_: str, props: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """(where, document) for every identity policy a resource carries."""
    if type_ in (IAM_ROLE_POLICY, IAM_POLICY, IAM_USER_POLICY, IAM_GROUP_POLICY):
        return [("policy", props.get("policy"))]
    if type_ == IAM_ROLE:
        return [
            (f"inlinePolicies[{p.get('name', i)}]", p.get("policy"))
            for i, p in enumerate(_items(props.get("inlinePolicies")))
            if isinstance(p, Mapping)
        ]
    return []


def _is_star_resource(resource: Any) -> bool:
    """`*`, or an ARN whose resource part is only `*` (every bucket, table, key ...)."""
    text = str(resource)
    return text == "*" or (text.startswith("arn:") and text.split(":", 5)[-1] in ("*", "*/*"))


def _is_data_action(action: str) -> bool:
    service = action.split(":", 1)[0].lower()
    return service in DATA_SERVICES and action.lower() not in STAR_ONLY_ACTIONS


def wildcard_iam(type_: str, props: Mapping[str, Any]) -> list[str]:
    """Allow statements name actions (no `*`, no `service:*`, no NotAction) and, for data
    actions, the resources they touch (no `*`). Deny statements may be as broad as they like."""
    problems = []
    for where, document in _policy_documents(type_, props):
        if document is None:
            continue
        if isinstance(document, str):
            try:
                document = json.loads(document)
            except json.JSONDecodeError:
                problems.append(f"{where} is not valid JSON")
                continue
        if not isinstance(document, Mapping):
            continue
        for index, statement in enumerate(_items(document.get("Statement"))):
            if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
                continue
            label = f"{where} statement {statement.get('Sid') or index}"
            if "NotAction" in statement:
                problems.append(f"{label} allows NotAction, i.e. every other action: list actions")
            actions = [str(a) for a in _items(statement.get("Action"))]
            for action in actions:
                if action == "*" or action.endswith(":*"):
                    problems.append(f"{label} allows the wildcard action {action}: list actions")
            resources = _items(statement.get("Resource"))
            if "NotResource" in statement:
                problems.append(f"{label} allows NotResource, i.e. every other resource")
            if any(_is_star_resource(r) for r in resources):
                data = sorted({a for a in actions if _is_data_action(a)})
                if data:
                    problems.append(
                        f"{label} allows data actions {', '.join(data)} on every resource (*): "
                        "scope them to the table, bucket, key or log group ARNs"
                    )
    return problems


# --- DynamoDB, S3, log groups ----------------------------------------------------------------


def dynamodb_protection(type_: str, props: Mapping[str, Any]) -> list[str]:
    """Tables are encrypted with KMS (server-side encryption on) and keep point-in-time recovery."""
    if type_ != DYNAMODB_TABLE:
        return []
    problems = []
    sse = props.get("serverSideEncryption")
    if not (isinstance(sse, Mapping) and sse.get("enabled") is True):
        problems.append("serverSideEncryption.enabled must be true (KMS encryption at rest)")
    pitr = props.get("pointInTimeRecovery")
    if not (isinstance(pitr, Mapping) and pitr.get("enabled") is True):
        problems.append("pointInTimeRecovery.enabled must be true (restore to any second in 35 d)")
    return problems


PUBLIC_ACCESS_FLAGS = (
    "blockPublicAcls",
    "blockPublicPolicy",
    "ignorePublicAcls",
    "restrictPublicBuckets",
)


def s3_public_access_block(type_: str, props: Mapping[str, Any]) -> list[str]:
    """A bucket's public access block turns on all four switches."""
    if type_ != S3_PUBLIC_ACCESS_BLOCK:
        return []
    off = [flag for flag in PUBLIC_ACCESS_FLAGS if props.get(flag) is not True]
    return [f"{', '.join(off)} must be true: public access is blocked fully"] if off else []


def log_group_retention(type_: str, props: Mapping[str, Any]) -> list[str]:
    """Log groups expire their events (CloudWatch keeps them, and bills them, forever otherwise)."""
    if type_ != LOG_GROUP:
        return []
    days = props.get("retentionInDays")
    # Numbers reach a policy through protobuf's Struct, so 14 arrives as 14.0.
    if not isinstance(days, int | float) or isinstance(days, bool) or days <= 0:
        return [f"retentionInDays is {days!r}: set a retention (days > 0)"]
    return []


def log_group_encryption(type_: str, props: Mapping[str, Any]) -> list[str]:
    """Log groups are encrypted with a customer managed key (not only CloudWatch's own)."""
    if type_ != LOG_GROUP:
        return []
    key = props.get("kmsKeyId")
    if not isinstance(key, str) or not key.startswith("arn:aws:kms:"):
        return [f"kmsKeyId is {key!r}: encrypt the log group with a customer managed KMS key ARN"]
    return []


def api_method_validation(type_: str, props: Mapping[str, Any]) -> list[str]:
    """API methods other than the CORS preflight have a request validator, so API Gateway
    refuses malformed requests before the integration runs."""
    if type_ != APIGW_METHOD or str(props.get("httpMethod", "")).upper() == "OPTIONS":
        return []
    if not props.get("requestValidatorId"):
        return [
            f"method {props.get('httpMethod')} has no requestValidatorId: give it a request "
            "validator (parameters, and the body where it takes one)"
        ]
    return []


RESOURCE_CHECKS: Mapping[str, ResourceCheck] = {
    "no-ingress-from-anywhere": open_ingress,
    "no-wildcard-iam": wildcard_iam,
    "dynamodb-encrypted-with-pitr": dynamodb_protection,
    "s3-public-access-blocked": s3_public_access_block,
    "log-groups-have-retention": log_group_retention,
    "log-groups-encrypted-with-customer-keys": log_group_encryption,
    "api-methods-have-request-validators": api_method_validation,
}


# --- stack rules ----------------------------------------------------------------------------


def _references(resource: Resource, prop: str, target: Resource, *alternatives: str) -> bool:
    """True when `resource.<prop>` came from `target` (dependency graph) or equals its id/name."""
    if target.urn in resource.property_dependencies.get(prop, ()):
        return True
    value = resource.props.get(prop)
    known = {target.id, *(target.props.get(a) for a in alternatives)} - {None, ""}
    return value is not None and value in known


def _of_type(resources: Iterable[Resource], *types: str) -> list[Resource]:
    return [r for r in resources if r.type in types]


def buckets_have_public_access_blocks(resources: Sequence[Resource]) -> list[tuple[str, str]]:
    """Every bucket has its own public access block (the resource rule checks its switches)."""
    blocks = _of_type(resources, S3_PUBLIC_ACCESS_BLOCK)
    return [
        (bucket.urn, f"bucket {bucket.name} has no BucketPublicAccessBlock")
        for bucket in _of_type(resources, S3_BUCKET, S3_BUCKET_V2)
        if not any(_references(block, "bucket", bucket, "bucket") for block in blocks)
    ]


def vpcs_have_flow_logs(resources: Sequence[Resource]) -> list[tuple[str, str]]:
    """Every VPC records its traffic in a flow log."""
    return _vpcs_without(resources, FLOW_LOG, "vpcId", "FlowLog")


def resolver_endpoints_span_azs(resources: Sequence[Resource]) -> list[tuple[str, str]]:
    """A Resolver endpoint has IPs in at least two subnets in two different AZs (RSLVR-00400, and
    one AZ down must not take DNS with it)."""
    subnets = _of_type(resources, SUBNET)
    problems = []
    for endpoint in _of_type(resources, RESOLVER_ENDPOINT):
        addresses = [a for a in _items(endpoint.props.get("ipAddresses")) if isinstance(a, Mapping)]
        subnet_ids = {a.get("subnetId") for a in addresses} - {None}
        if len(addresses) < 2 or len(subnet_ids) < 2:
            problems.append(
                (
                    endpoint.urn,
                    f"resolver endpoint {endpoint.name} has {len(addresses)} IP(s) in "
                    f"{len(subnet_ids)} subnet(s): it needs IPs in at least two subnets",
                )
            )
            continue
        # A subnet names its AZ by id (`availabilityZoneId`, as the stack files pin them) or by
        # name; AWS reports both once it exists.
        zones = {
            s.props.get("availabilityZoneId") or s.props.get("availabilityZone")
            for s in subnets
            if s.id in subnet_ids
        }
        if len(zones) == 1:
            problems.append(
                (
                    endpoint.urn,
                    f"resolver endpoint {endpoint.name} has all its IPs in {zones.pop()}: "
                    "use subnets in at least two availability zones",
                )
            )
    return problems


def _resource_paths(resources: Sequence[Resource]) -> dict[str, str]:
    """API Gateway resource id -> path ("/items/{id}"), from `path` or by walking `parentId`."""
    by_id = {r.id: r for r in _of_type(resources, APIGW_RESOURCE) if r.id}
    paths: dict[str, str] = {}

    def path_of(resource_id: str, depth: int = 0) -> str:
        resource = by_id.get(resource_id)
        if resource is None or depth > 50:
            return "/"  # the API's root resource is not a Resource of the stack
        if resource.props.get("path"):
            return str(resource.props["path"])
        parent = path_of(str(resource.props.get("parentId")), depth + 1)
        return parent.rstrip("/") + "/" + str(resource.props.get("pathPart"))

    for resource_id in by_id:
        paths[resource_id] = path_of(resource_id)
    return paths


def _public_methods(resources: Sequence[Resource]) -> list[tuple[Resource, str]]:
    """(method, "GET /path") for every method without an authorizer, except CORS preflights."""
    paths = _resource_paths(resources)
    found = []
    for method in _of_type(resources, APIGW_METHOD):
        verb = str(method.props.get("httpMethod", "")).upper()
        if verb == "OPTIONS" or method.props.get("authorization", "NONE") != "NONE":
            continue
        found.append((method, f"{verb} {paths.get(str(method.props.get('resourceId')), '/')}"))
    return found


def api_methods_have_authorizers(
    resources: Sequence[Resource], public_routes: Iterable[str] = ()
) -> list[tuple[str, str]]:
    """Every API Gateway method except the CORS preflight has an authorizer, unless its route
    ("GET /health") is in the pack's `publicRoutes` config; allowed ones are still listed by
    `public_api_routes`, so a public route is never silent."""
    allowed = {r.strip() for r in public_routes}
    return [
        (
            method.urn,
            f"method {route} ({method.name}) has authorization NONE: give it the Cognito "
            "authorizer, or list the route in the pack config publicRoutes if it must be public",
        )
        for method, route in _public_methods(resources)
        if route not in allowed
    ]


def public_api_routes(
    resources: Sequence[Resource], public_routes: Iterable[str] = ()
) -> list[tuple[str, str]]:
    """An advisory line for each route that is public by the pack's allow-list."""
    allowed = {r.strip() for r in public_routes}
    return [
        (method.urn, f"method {route} is public (allowed by publicRoutes)")
        for method, route in _public_methods(resources)
        if route in allowed
    ]


def _tag_map(value: Any) -> Mapping[str, Any]:
    """Tags given as a mapping or (provider inputs reach the engine so) as a JSON string."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            return {}
    return value if isinstance(value, Mapping) else {}


def environments(resources: Sequence[Resource]) -> set[str]:
    """The `environment` tag(s) of a stack: the program puts `hubspoke:environment` in the
    `default_tags` of every AWS provider it builds (components/naming.py), and AWS reports it in
    every VPC's `tagsAll`. The stack name is not used: a stack may be called anything."""
    found = set()
    for provider in _of_type(resources, AWS_PROVIDER):
        tags = _tag_map(_tag_map(provider.props.get("defaultTags")).get("tags"))
        found.add(tags.get("environment"))
    for vpc in _of_type(resources, VPC):
        found.add(_tag_map(vpc.props.get("tagsAll")).get("environment"))
    return {str(e) for e in found if e}


def _is_prod(resources: Sequence[Resource]) -> bool:
    """A stack whose environment the pack cannot read is held to prod's rules (fail closed)."""
    found = environments(resources)
    return "prod" in found or not found


def _vpcs_without(
    resources: Sequence[Resource], type_: str, prop: str, missing: str
) -> list[tuple[str, str]]:
    links = _of_type(resources, type_)
    return [
        (vpc.urn, f"VPC {vpc.name} has no {missing}")
        for vpc in _of_type(resources, VPC)
        if not any(_references(link, prop, vpc) for link in links)
    ]


def prod_vpcs_have_dns_firewall(resources: Sequence[Resource]) -> list[tuple[str, str]]:
    """In prod, every VPC has a DNS Firewall rule group association (`vpcId` is that VPC)."""
    if not _is_prod(resources):
        return []
    return _vpcs_without(
        resources,
        FIREWALL_ASSOCIATION,
        "vpcId",
        "ResolverFirewallRuleGroupAssociation: prod filters every VPC's DNS (dns.firewall)",
    )


def prod_vpcs_log_dns_queries(resources: Sequence[Resource]) -> list[tuple[str, str]]:
    """In prod, every VPC has a Resolver query log config association (`resourceId` is that VPC)."""
    if not _is_prod(resources):
        return []
    return _vpcs_without(
        resources,
        QUERY_LOG_ASSOCIATION,
        "resourceId",
        "ResolverQueryLogConfigAssociation: prod logs every VPC's DNS queries (dns.queryLogging)",
    )


STACK_CHECKS: Mapping[str, StackCheck] = {
    "s3-buckets-have-public-access-blocks": buckets_have_public_access_blocks,
    "vpcs-have-flow-logs": vpcs_have_flow_logs,
    "prod-vpcs-have-dns-firewall": prod_vpcs_have_dns_firewall,
    "prod-vpcs-log-dns-queries": prod_vpcs_log_dns_queries,
    "resolver-endpoints-span-two-azs": resolver_endpoints_span_azs,
    "api-methods-have-authorizers": api_methods_have_authorizers,
}


def all_violations(
    resources: Sequence[Resource],
    inputs: Mapping[str, Mapping[str, Any]] | None = None,
    public_routes: Iterable[str] = (),
) -> list[str]:
    """Every mandatory violation in a stack, one line each: `<rule>: <urn>: <message>`.

    `inputs` maps a URN to that resource's inputs for the resource rules (the engine checks
    inputs); without it, the resource rules read `props`. `public_routes` is the pack config's
    allow-list for `api-methods-have-authorizers`.
    """
    lines = []
    for resource in resources:
        props = inputs.get(resource.urn, resource.props) if inputs is not None else resource.props
        for rule, check in RESOURCE_CHECKS.items():
            lines += [f"{rule}: {resource.urn}: {m}" for m in check(resource.type, props)]
    for rule, stack_check in STACK_CHECKS.items():
        found = (
            api_methods_have_authorizers(resources, public_routes)
            if stack_check is api_methods_have_authorizers
            else stack_check(resources)
        )
        lines += [f"{rule}: {urn}: {m}" for urn, m in found]
    return lines

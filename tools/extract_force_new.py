"""Write offline/data/force_new.json: which inputs of each pulumi-aws type force a replacement.

pulumi-aws bridges terraform-provider-aws, and the bridge turns a Terraform attribute marked
`ForceNew: true` (Plugin SDK v2) or given a `RequiresReplace()` plan modifier (Plugin Framework)
into a replacement of the Pulumi resource when that input changes. This script reads the provider's
Go source *as text* and writes only the list of such attributes, as Pulumi input names.

It runs on two local git snapshots (brought here with the search tool's `fetch`; nothing from them
is committed, and nothing here builds or runs their code):

- lonegunmanb/terraform-provider-aws-index: the provider's schema functions, one source file per
  Go function or method, tagged per provider release;
- lonegunmanb/terraform-aws-schema: the provider's `terraform providers schema -json` per release,
  used to resolve `names.AttrX` constants to attribute names (the constants' own file is not in the
  index).

    .venv/bin/python tools/extract_force_new.py --index PATH/index-repo --schema PATH/schema-repo \
        --version v6.58.0 --schema-version v6.47.0 > offline/data/force_new.json
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from offline.force_new import sdk_input_names

# Each Pulumi type the program registers (or can register with other config) and the Terraform
# resource pulumi-aws maps it to. pulumi-aws keeps Terraform's names except where listed in its
# provider/resources.go (e.g. aws_api_gateway_gateway_response -> apigateway.Response).
TERRAFORM_TYPES = {
    "aws:apigateway/account:Account": "aws_api_gateway_account",
    "aws:apigateway/authorizer:Authorizer": "aws_api_gateway_authorizer",
    "aws:apigateway/deployment:Deployment": "aws_api_gateway_deployment",
    "aws:apigateway/integration:Integration": "aws_api_gateway_integration",
    "aws:apigateway/integrationResponse:IntegrationResponse": (
        "aws_api_gateway_integration_response"
    ),
    "aws:apigateway/method:Method": "aws_api_gateway_method",
    "aws:apigateway/model:Model": "aws_api_gateway_model",
    "aws:apigateway/methodResponse:MethodResponse": "aws_api_gateway_method_response",
    "aws:apigateway/methodSettings:MethodSettings": "aws_api_gateway_method_settings",
    "aws:apigateway/requestValidator:RequestValidator": "aws_api_gateway_request_validator",
    "aws:apigateway/resource:Resource": "aws_api_gateway_resource",
    "aws:apigateway/response:Response": "aws_api_gateway_gateway_response",
    "aws:apigateway/restApi:RestApi": "aws_api_gateway_rest_api",
    "aws:apigateway/stage:Stage": "aws_api_gateway_stage",
    "aws:cloudfront/distribution:Distribution": "aws_cloudfront_distribution",
    "aws:cloudfront/originAccessControl:OriginAccessControl": (
        "aws_cloudfront_origin_access_control"
    ),
    "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": (
        "aws_cloudfront_response_headers_policy"
    ),
    "aws:cloudwatch/logGroup:LogGroup": "aws_cloudwatch_log_group",
    "aws:cloudwatch/metricAlarm:MetricAlarm": "aws_cloudwatch_metric_alarm",
    "aws:cognito/userPool:UserPool": "aws_cognito_user_pool",
    "aws:cognito/userGroup:UserGroup": "aws_cognito_user_group",
    "aws:cognito/userPoolClient:UserPoolClient": "aws_cognito_user_pool_client",
    "aws:dynamodb/table:Table": "aws_dynamodb_table",
    "aws:ec2/customerGateway:CustomerGateway": "aws_customer_gateway",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "aws_default_security_group",
    "aws:ec2/eip:Eip": "aws_eip",
    "aws:ec2/flowLog:FlowLog": "aws_flow_log",
    "aws:ec2/internetGateway:InternetGateway": "aws_internet_gateway",
    "aws:ec2/natGateway:NatGateway": "aws_nat_gateway",
    "aws:ec2/networkAcl:NetworkAcl": "aws_network_acl",
    "aws:ec2/networkAclRule:NetworkAclRule": "aws_network_acl_rule",
    "aws:ec2/peeringConnectionOptions:PeeringConnectionOptions": (
        "aws_vpc_peering_connection_options"
    ),
    "aws:ec2/route:Route": "aws_route",
    "aws:ec2/routeTable:RouteTable": "aws_route_table",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "aws_route_table_association",
    "aws:ec2/securityGroup:SecurityGroup": "aws_security_group",
    "aws:ec2/subnet:Subnet": "aws_subnet",
    "aws:ec2/vpc:Vpc": "aws_vpc",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "aws_vpc_endpoint",
    "aws:ec2/vpcPeeringConnection:VpcPeeringConnection": "aws_vpc_peering_connection",
    "aws:ec2/vpcPeeringConnectionAccepter:VpcPeeringConnectionAccepter": (
        "aws_vpc_peering_connection_accepter"
    ),
    "aws:ec2/vpnConnection:VpnConnection": "aws_vpn_connection",
    "aws:ec2/vpnConnectionRoute:VpnConnectionRoute": "aws_vpn_connection_route",
    "aws:ec2/vpnGateway:VpnGateway": "aws_vpn_gateway",
    "aws:ec2transitgateway/peeringAttachment:PeeringAttachment": (
        "aws_ec2_transit_gateway_peering_attachment"
    ),
    "aws:ec2transitgateway/peeringAttachmentAccepter:PeeringAttachmentAccepter": (
        "aws_ec2_transit_gateway_peering_attachment_accepter"
    ),
    "aws:ec2transitgateway/route:Route": "aws_ec2_transit_gateway_route",
    "aws:ec2transitgateway/routeTable:RouteTable": "aws_ec2_transit_gateway_route_table",
    "aws:ec2transitgateway/routeTableAssociation:RouteTableAssociation": (
        "aws_ec2_transit_gateway_route_table_association"
    ),
    "aws:ec2transitgateway/routeTablePropagation:RouteTablePropagation": (
        "aws_ec2_transit_gateway_route_table_propagation"
    ),
    "aws:ec2transitgateway/transitGateway:TransitGateway": "aws_ec2_transit_gateway",
    "aws:ec2transitgateway/vpcAttachment:VpcAttachment": "aws_ec2_transit_gateway_vpc_attachment",
    "aws:ec2transitgateway/vpcAttachmentAccepter:VpcAttachmentAccepter": (
        "aws_ec2_transit_gateway_vpc_attachment_accepter"
    ),
    "aws:ec2/vpnGatewayRoutePropagation:VpnGatewayRoutePropagation": (
        "aws_vpn_gateway_route_propagation"
    ),
    "aws:iam/role:Role": "aws_iam_role",
    "aws:iam/rolePolicy:RolePolicy": "aws_iam_role_policy",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "aws_iam_role_policy_attachment",
    "aws:kms/alias:Alias": "aws_kms_alias",
    "aws:kms/key:Key": "aws_kms_key",
    "aws:lambda/function:Function": "aws_lambda_function",
    "aws:lambda/permission:Permission": "aws_lambda_permission",
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": "aws_cloudwatch_log_resource_policy",
    "aws:ram/principalAssociation:PrincipalAssociation": "aws_ram_principal_association",
    "aws:ram/resourceAssociation:ResourceAssociation": "aws_ram_resource_association",
    "aws:ram/resourceShare:ResourceShare": "aws_ram_resource_share",
    "aws:ram/resourceShareAccepter:ResourceShareAccepter": "aws_ram_resource_share_accepter",
    "aws:route53/resolverEndpoint:ResolverEndpoint": "aws_route53_resolver_endpoint",
    "aws:route53/resolverFirewallConfig:ResolverFirewallConfig": (
        "aws_route53_resolver_firewall_config"
    ),
    "aws:route53/resolverFirewallDomainList:ResolverFirewallDomainList": (
        "aws_route53_resolver_firewall_domain_list"
    ),
    "aws:route53/resolverFirewallRule:ResolverFirewallRule": "aws_route53_resolver_firewall_rule",
    "aws:route53/resolverFirewallRuleGroup:ResolverFirewallRuleGroup": (
        "aws_route53_resolver_firewall_rule_group"
    ),
    "aws:route53/resolverFirewallRuleGroupAssociation:ResolverFirewallRuleGroupAssociation": (
        "aws_route53_resolver_firewall_rule_group_association"
    ),
    "aws:route53/resolverQueryLogConfig:ResolverQueryLogConfig": (
        "aws_route53_resolver_query_log_config"
    ),
    "aws:route53/resolverQueryLogConfigAssociation:ResolverQueryLogConfigAssociation": (
        "aws_route53_resolver_query_log_config_association"
    ),
    "aws:route53/resolverRule:ResolverRule": "aws_route53_resolver_rule",
    "aws:route53/resolverRuleAssociation:ResolverRuleAssociation": (
        "aws_route53_resolver_rule_association"
    ),
    "aws:route53/vpcAssociationAuthorization:VpcAssociationAuthorization": (
        "aws_route53_vpc_association_authorization"
    ),
    "aws:route53/zone:Zone": "aws_route53_zone",
    "aws:route53/zoneAssociation:ZoneAssociation": "aws_route53_zone_association",
    "aws:s3/bucket:Bucket": "aws_s3_bucket",
    "aws:s3/bucketCorsConfiguration:BucketCorsConfiguration": "aws_s3_bucket_cors_configuration",
    "aws:s3/bucketObjectv2:BucketObjectv2": "aws_s3_object",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": (
        "aws_s3_bucket_lifecycle_configuration"
    ),
    "aws:s3/bucketOwnershipControls:BucketOwnershipControls": "aws_s3_bucket_ownership_controls",
    "aws:s3/bucketPolicy:BucketPolicy": "aws_s3_bucket_policy",
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "aws_s3_bucket_public_access_block",
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": (
        "aws_s3_bucket_server_side_encryption_configuration"
    ),
    "aws:s3/bucketVersioning:BucketVersioning": "aws_s3_bucket_versioning",
    "aws:sns/topic:Topic": "aws_sns_topic",
    "aws:sns/topicSubscription:TopicSubscription": "aws_sns_topic_subscription",
    "aws:ssm/parameter:Parameter": "aws_ssm_parameter",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "aws_vpc_security_group_egress_rule",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": (
        "aws_vpc_security_group_ingress_rule"
    ),
    "aws:wafv2/webAcl:WebAcl": "aws_wafv2_web_acl",
    "aws:wafv2/webAclAssociation:WebAclAssociation": "aws_wafv2_web_acl_association",
    "aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration": (
        "aws_wafv2_web_acl_logging_configuration"
    ),
}

# Where the index names a factory function that does not exist under that name.
FACTORY_FIXES = {"newVpcSecurityGroupEgressRuleResource": "newSecurityGroupEgressRuleResource"}

# Terraform attributes pulumi-aws exposes under another input name (its provider/resources.go).
# Other names are camelCased, and pluralized for list and set blocks (the bridge's rule); every
# name written is checked against the pulumi_aws SDK's input names.
PULUMI_RENAMES = {
    ("aws_cloudwatch_metric_alarm", "alarm_name"): "name",
    ("aws_lambda_function", "function_name"): "name",
    ("aws_lambda_function", "filename"): "code",
    ("aws_lambda_permission", "function_name"): "function",
    ("aws_sns_topic_subscription", "topic_arn"): "topic",
    ("aws_api_gateway_stage", "deployment_id"): "deployment",
    **{
        (tf_type, "rest_api_id"): "restApi"
        for tf_type in TERRAFORM_TYPES.values()
        if tf_type.startswith("aws_api_gateway_")
    },
}

ENTRY = re.compile(
    r'(?:"(?P<lit>[a-z0-9_]+)"|names\.(?P<const>Attr\w+)|(?P<ident>[a-z]\w*))\s*:\s*'
    r"(?P<head>&?[\w.]*(?:\([^(){}]*\))?)\s*(?P<open>\{|,)"
)
FORCE_NEW = re.compile(r"ForceNew:\s*true|\w+planmodifier\.RequiresReplace\(\)")
CONDITIONAL = re.compile(r"\w+planmodifier\.RequiresReplaceIf\w*\(|customdiff\.ForceNewIf\w*\(")
SCHEMA_KEYS = re.compile(r"\b(Type|Optional|Required|Computed)\s*:")
# A reference to a schema defined elsewhere: `name`, `name()`, `pkg.Name()`, `maps.Clone(name)`.
REFERENCE = re.compile(r"^&?(?:maps\.Clone\()?(?:(?P<pkg>[a-z]\w*)\.)?(?P<name>\w+)(?:\(\)|\))?$")
# Helpers whose attributes never force a replacement (tags are updated in place; ids are computed).
HARMLESS = re.compile(r"^(tftags\.Tags\w*|framework\.(ID|ARN)Attribute\w*|timeouts\.\w+)")
# Packages of the provider's own shared schema helpers, by import alias.
SHARED = {"sdkv2": "index/internal/sdkv2", "framework": "index/internal/framework"}


def git_show(repo: Path, rev: str, path: str) -> str | None:
    done = subprocess.run(
        ["git", "--git-dir", str(repo), "show", f"{rev}:{path}"], capture_output=True, text=True
    )
    return done.stdout if done.returncode == 0 else None


def git_ls(repo: Path, rev: str, path: str) -> list[str]:
    done = subprocess.run(
        ["git", "--git-dir", str(repo), "ls-tree", "--name-only", f"{rev}:{path}"],
        capture_output=True,
        text=True,
    )
    return done.stdout.split()


def git_commit(repo: Path, rev: str) -> str:
    return subprocess.run(
        ["git", "--git-dir", str(repo), "rev-list", "-n1", rev],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def matching_brace(text: str, start: int) -> int:
    """The index of the `}` closing the `{` at `start` (Go strings and comments skipped)."""
    depth, i = 0, start
    while i < len(text):
        c = text[i]
        if c == "/" and text.startswith("//", i):
            i = text.index("\n", i)
            continue
        if c in "\"`'":
            end = text.index(c, i + 1)
            while c != "`" and text[end - 1] == "\\" and text[end - 2] != "\\":
                end = text.index(c, end + 1)
            i = end + 1
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError("unbalanced braces")


@dataclass
class Found:
    force_new: list[str] = field(default_factory=list)
    conditional: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)


class Source:
    """The Go functions, methods and variables of one provider package, as the index stores
    them (one file each), plus the shared schema helper packages."""

    def __init__(self, repo: Path, rev: str, service: str):
        self.repo, self.rev = repo, rev
        self.dir = f"index/internal/service/{service}"
        self._files: dict[str, dict[str, str]] = {}

    def files(self, directory: str) -> dict[str, str]:
        if directory not in self._files:
            names = git_ls(self.repo, self.rev, directory)
            self._files[directory] = {name.lower(): name for name in names}
        return self._files[directory]

    def _read(self, directory: str, file: str) -> str | None:
        real = self.files(directory).get(file.lower())
        if real is None:
            return None
        text = git_show(self.repo, self.rev, f"{directory}/{real}") or ""
        # Drop the package clause and imports the index puts before each definition.
        return text.split("\n)\n", 1)[1] if "\nimport (" in text else text

    def function(self, name: str, directory: str | None = None) -> str | None:
        return self._read(directory or self.dir, f"func.{name}.goindex")

    def method(self, struct: str, name: str) -> str | None:
        return self._read(self.dir, f"method.{struct}.{name}.goindex")

    def constant(self, name: str) -> str | None:
        """The value of a package-level string constant (the index keeps them as `var.` files)."""
        text = self._read(self.dir, f"var.{name}.goindex")
        m = re.search(rf'\b{name}\s*=\s*"([a-z0-9_]+)"', text or "")
        return m[1] if m else None

    def definition(self, expression: str) -> tuple[str, str] | None:
        """(name, text) of the function or variable an expression refers to, if indexed."""
        m = REFERENCE.match(expression.strip())
        if m is None:
            return None
        directory = SHARED.get(m["pkg"]) if m["pkg"] else self.dir
        if directory is None:
            return None
        for kind in ("func", "var"):
            text = self._read(directory, f"{kind}.{m['name']}.goindex")
            if text is not None:
                return m["name"], text
        return None


def walk(text: str, prefix: str, attrs: AttrNames, source: Source, found: Found, seen: set[str]):
    """Record every schema entry in `text` (recursively) that forces a replacement."""
    pos = 0
    while (m := ENTRY.search(text, pos)) is not None:
        key = m["lit"] or (m["const"] and attrs.resolve(m["const"], prefix))
        if not key:
            key = source.constant(m["ident"])
            if key is None:  # not a schema key (a struct field, a label): look inside
                pos = m.end()
                continue
        path = f"{prefix}{key}"
        if m["open"] == ",":  # "x": someVar, / "x": someFunc(),
            pos = m.end()
            head = m["head"]
            if not head or HARMLESS.match(head):
                continue
            follow(head, path, attrs, source, found, seen, as_entry=True)
            continue
        start = m.end() - 1
        end = matching_brace(text, start)
        body = text[start + 1 : end]
        pos = end + 1
        own = _strip_entries(body)
        if not (SCHEMA_KEYS.search(own) or "Attribute" in m["head"] or "Block" in m["head"]):
            continue
        mark(own, path, found)
        walk(body, f"{path}.", attrs, source, found, seen)
        for elem in re.finditer(r"Elem:\s*(?P<ref>&?[\w.]+(?:\(\))?),", own):
            follow(elem["ref"], path, attrs, source, found, seen, as_entry=False)


def mark(own: str, path: str, found: Found) -> None:
    if FORCE_NEW.search(own):
        found.force_new.append(path)
    elif CONDITIONAL.search(own):
        found.conditional.append(path)


def follow(ref, path, attrs, source: Source, found: Found, seen: set[str], *, as_entry: bool):
    """Walk a schema defined elsewhere: an attribute's own definition (`as_entry`) or the nested
    block of `Elem:`."""
    if ref.startswith("&schema.") or ref.startswith("schema."):
        return
    definition = source.definition(ref)
    if definition is None:
        found.unresolved.append(f"{path} = {ref}")
        return
    name, text = definition
    if name in seen:
        return
    if as_entry:
        own = _strip_entries(text)
        if SCHEMA_KEYS.search(own):
            mark(own, path, found)
            for elem in re.finditer(r"Elem:\s*(?P<ref>&?[\w.]+(?:\(\))?),", own):
                follow(elem["ref"], path, attrs, source, found, seen | {name}, as_entry=False)
    walk(text, f"{path}.", attrs, source, found, seen | {name})


CUSTOM_FORCE_NEW = re.compile(
    r'(?:\.ForceNew|ForceNewIf\w*)\(\s*(?:"(?P<lit>[a-z0-9_.]+)"|names\.(?P<const>Attr\w+)|'
    r"(?P<ident>[a-z]\w*))\s*[,)]"
)


def customize_diff_force_new(text: str, attrs: AttrNames, source: Source) -> list[str]:
    """Attributes a resource's CustomizeDiff forces new in some cases (`d.ForceNew("x")`,
    `customdiff.ForceNewIf*("x", ...)`), in the schema function or the functions it names."""
    m = re.search(r"CustomizeDiff:\s*(.+?),\n\t(?:\t[A-Z]|\})", text, re.DOTALL)
    if m is None:
        return []
    texts = [m[1]]
    for name in set(re.findall(r"\b([a-z]\w*CustomizeDiff\w*|resource\w+Diff\w*)\b", m[1])):
        texts.append(source.function(name) or "")
    keys = []
    for chunk in texts:
        for hit in CUSTOM_FORCE_NEW.finditer(chunk):
            key = hit["lit"] or (hit["const"] and attrs.resolve(hit["const"], ""))
            key = key or source.constant(hit["ident"])
            if key:
                keys.append(key)
    return keys


def _strip_entries(body: str) -> str:
    """The body without its nested schema entries, so a child's ForceNew is not the parent's."""
    out, pos = [], 0
    while (m := ENTRY.search(body, pos)) is not None:
        if m["open"] == ",":
            out.append(body[pos : m.end()])
            pos = m.end()
            continue
        end = matching_brace(body, m.end() - 1)
        out.append(body[pos : m.start()])
        pos = end + 1
    out.append(body[pos:])
    return "".join(out)


class AttrNames:
    """Attribute names of one resource from the provider's JSON schema, to resolve constants."""

    def __init__(self, schema: dict, extra: set[str]):
        self.by_path: dict[str, set[str]] = {}
        self._collect(schema["block"], "")
        # Attributes newer than the JSON schema release: the SDK's names, snake_cased.
        self.by_path[""] |= {re.sub(r"(?<!^)([A-Z])", r"_\1", n).lower() for n in extra}

    def _collect(self, block: dict, prefix: str) -> None:
        names = set(block.get("attributes", {})) | set(block.get("block_types", {}))
        self.by_path[prefix] = names
        for name, attr in block.get("attributes", {}).items():
            nested = attr.get("nested_type")
            if nested:
                self._collect({"attributes": nested.get("attributes", {})}, f"{prefix}{name}.")
            elif (fields := _object_fields(attr.get("type"))) is not None:
                self.by_path[f"{prefix}{name}."] = set(fields)
        for name, nested in block.get("block_types", {}).items():
            self._collect(nested["block"], f"{prefix}{name}.")

    def resolve(self, const: str, prefix: str) -> str:
        want = const[len("attr") :].lower()
        candidates = self.by_path.get(prefix) or set().union(*self.by_path.values())
        for name in sorted(candidates):
            if name.replace("_", "") == want:
                return name
        if prefix in self.by_path:
            raise LookupError(f"names.{const} under {prefix or 'the resource'}: no such attribute")
        # A block newer than the JSON schema release: spell the constant out.
        words = re.findall(r"[A-Z]+(?=[A-Z][a-z]|\d|$)|[A-Z]?[a-z]+|\d+", const[len("attr") :])
        return "_".join(w.lower() for w in words)


def _object_fields(type_: object) -> dict | None:
    """The fields of a computed `list(object({...}))`-like attribute type, if it is one."""
    while isinstance(type_, list) and len(type_) == 2:
        if type_[0] == "object":
            return type_[1]
        type_ = type_[1]
    return None


def camel(snake: str) -> str:
    head, *rest = snake.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def plural(name: str) -> str:
    if name.endswith("s"):
        return name
    if name.endswith("y") and name[-2:-1] not in "aeiou":
        return name[:-1] + "ies"
    return name + ("es" if name.endswith(("x", "ch", "sh")) else "s")


def pulumi_path(pulumi_type: str, tf_type: str, path: str) -> str:
    """The Pulumi input path of a Terraform attribute path, as the SDK names it."""
    parts = [p for p in path.split(".") if not p.isdigit()]  # "block.0.attr": the block's attr
    done: list[str] = []
    for part in parts:
        known = sdk_input_names(pulumi_type, ".".join(done))
        candidates = [PULUMI_RENAMES.get((tf_type, part)), camel(part), plural(camel(part))]
        name = next((c for c in candidates if c and c in known), None)
        if name is None:
            raise LookupError(f"{pulumi_type}: no SDK input for {tf_type} {path}")
        done.append(name)
    return ".".join(done)


def terraform_schema(schema_repo: Path, rev: str, tf_type: str) -> dict | None:
    """The resource's JSON schema; None when the snapshot holds the file's name but not its text
    (the search tool's snapshots leave out files of 4 MiB and more: aws_wafv2_web_acl's is one)."""
    file = "aws" + "".join(p[:1].upper() + p[1:] for p in tf_type.split("_")[1:])
    path = f"generated/resource/{file}.go"
    text = git_show(schema_repo, rev, path)
    if text is None:
        listed = subprocess.run(
            ["git", "--git-dir", str(schema_repo), "ls-tree", "--name-only", rev, path],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        if listed == path:
            return None
        raise LookupError(f"{tf_type}: no {path} at {rev}")
    return json.loads(text[text.index("`") + 1 : text.rindex("`")])


def sdk_schema(source: Source, reg: dict) -> tuple[str | None, str]:
    """The text of a Plugin SDK resource's schema, and the function it was found in."""
    names = [reg["factory_function"]]
    create = reg.get("create_method", "")
    for verb in ("Create", "Put", "Enable", "Update"):
        if create.endswith(verb):
            names.insert(0, create.removesuffix(verb))
    for name in names:
        text = source.function(name)
        if text is not None and "&schema.Resource{" in text:
            # The schema may live in another function or variable.
            m = re.search(r"\bSchema(?:Func)?:\s*(?P<ref>[\w.]+(?:\([\w]*\))?),", text)
            if m and not m["ref"].startswith("map["):
                held = source.definition(m["ref"])
                if held is not None:
                    return held[1], f"{held[0]} (via func.{name})"
            return text, f"func.{name}"
    return None, ""


def framework_struct(source: Source, reg: dict) -> str:
    """The struct whose Schema method defines a Framework resource (an embedded one if the
    resource's own struct only embeds a shared implementation)."""
    struct = reg.get("struct_type")
    if not struct:
        name = reg["factory_function"]
        factory = source.function(FACTORY_FIXES.get(name, name)) or ""
        struct = re.search(r"&(\w+)\{\}", factory)[1]
    if source.method(struct, "Schema") is None:
        body = source._read(source.dir, f"type.{struct}.goindex") or ""
        for embedded in re.findall(r"^\t(\w+)$", body, re.MULTILINE):
            if source.method(embedded, "Schema") is not None:
                return embedded
    return struct


def locate(index: dict, tf_type: str) -> tuple[str, dict, str]:
    """(service, registration, kind) for a Terraform resource type."""
    for service in index["services"]:
        for kind in ("aws_sdk_resources", "aws_framework_resources"):
            entry = service.get(kind, {}).get(tf_type)
            if entry:
                crud = service.get("resource_crud_methods", {}).get(tf_type, {})
                return service["service_name"], {**entry, **crud}, kind
    raise LookupError(f"{tf_type}: not in the index")


def extract(index_repo: Path, schema_repo: Path, version: str, schema_version: str) -> dict:
    index = json.loads(git_show(index_repo, version, "index/terraform-provider-aws-index.json"))
    resources = {}
    for pulumi_type, tf_type in sorted(TERRAFORM_TYPES.items()):
        service, reg, kind = locate(index, tf_type)
        source = Source(index_repo, version, service)
        if kind == "aws_framework_resources":
            struct = framework_struct(source, reg)
            origin = f"method.{struct}.Schema"
            text = source.method(struct, "Schema")
        else:
            text, origin = sdk_schema(source, reg)
        if text is None:
            raise LookupError(f"{tf_type}: no schema function in {source.dir}")
        found = Found()
        schema = terraform_schema(schema_repo, schema_version, tf_type)
        # Without the JSON schema, constants are spelt out; pulumi_path() then checks every
        # name written against the SDK's input names.
        attrs = AttrNames(schema or {"block": {}}, sdk_input_names(pulumi_type))
        if schema is None:
            attrs.by_path = {}  # every `names.AttrX` is spelt out (AttrARN -> arn)
        walk(text, "", attrs, source, found, set())
        found.conditional += customize_diff_force_new(text, attrs, source)
        entry = {
            "terraform": tf_type,
            "sdk": "framework" if kind == "aws_framework_resources" else "sdkv2",
            "source": f"{source.dir}/{origin}",
            "forceNew": sorted({pulumi_path(pulumi_type, tf_type, p) for p in found.force_new}),
        }
        conditional = {pulumi_path(pulumi_type, tf_type, p) for p in found.conditional}
        if conditional - set(entry["forceNew"]):
            entry["conditional"] = sorted(conditional - set(entry["forceNew"]))
        if schema is None:
            entry["attributeNames"] = (
                "constants spelt out, checked against the SDK (no JSON schema file)"
            )
        if found.unresolved:
            entry["notFollowed"] = sorted(set(found.unresolved))
        resources[pulumi_type] = entry
    return {
        "source": {
            "provider": f"hashicorp/terraform-provider-aws {version}",
            "schemaFunctions": "lonegunmanb/terraform-provider-aws-index "
            f"{version} ({git_commit(index_repo, version)})",
            "attributeNames": "lonegunmanb/terraform-aws-schema "
            f"{schema_version} ({git_commit(schema_repo, schema_version)}) and the pulumi_aws SDK",
            "extractedBy": "tools/extract_force_new.py",
            "meaning": "forceNew: Pulumi input paths (dotted into nested blocks) whose change "
            "replaces the resource (Terraform ForceNew / RequiresReplace). conditional: replace "
            "only in some cases (RequiresReplaceIf, ForceNewIf): shown as an update. notFollowed: "
            "nested schemas defined where the index has no source (not looked into).",
        },
        "resources": resources,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, required=True, help="index repository git dir")
    parser.add_argument("--schema", type=Path, required=True, help="schema repository git dir")
    parser.add_argument("--version", required=True, help="provider release tag, e.g. v6.58.0")
    parser.add_argument(
        "--schema-version", help="the JSON schema's release tag (default: --version)"
    )
    args = parser.parse_args()
    found = extract(args.index, args.schema, args.version, args.schema_version or args.version)
    json.dump(found, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())

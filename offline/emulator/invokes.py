"""Data sources (invokes) answered from the emulator, in the provider's account and region."""

from __future__ import annotations

import datetime
import json
from typing import Any

from offline.emulator.registry import Ctx, Inputs, invoke


@invoke("aws:index/getAvailabilityZones:getAvailabilityZones")
def availability_zones(ctx: Ctx, args: Inputs) -> dict[str, Any]:
    filters = [{"Name": f["name"], "Values": list(f["values"])} for f in args.get("filters") or []]
    # moto does not know the opt-in-status attribute (every zone it has is opt-in-not-required):
    # drop that filter rather than let it match nothing.
    filters = [f for f in filters if f["Name"] != "opt-in-status"]
    if args.get("state"):
        filters.append({"Name": "state", "Values": [args["state"]]})
    zones = ctx.client("ec2").describe_availability_zones(Filters=filters)["AvailabilityZones"]
    # The provider sorts by name and lists the ids in that order (terraform-provider-aws
    # data source aws_availability_zones): names[i] and zoneIds[i] are one zone.
    zones = sorted(zones, key=lambda z: z["ZoneName"])
    return {
        "id": ctx.region,
        "names": [z["ZoneName"] for z in zones],
        "zoneIds": [z["ZoneId"] for z in zones],
        "groupNames": [ctx.region for _ in zones],
    }


@invoke("aws:index/getCallerIdentity:getCallerIdentity")
def caller_identity(ctx: Ctx, args: Inputs) -> dict[str, Any]:
    me = ctx.client("sts").get_caller_identity()
    return {
        "id": me["Account"],
        "accountId": me["Account"],
        "arn": me["Arn"],
        "userId": me["UserId"],
    }


@invoke("aws:index/getRegion:getRegion")
def region(ctx: Ctx, args: Inputs) -> dict[str, Any]:
    name = args.get("region") or args.get("name") or ctx.region
    return {"id": name, "name": name, "region": name, "endpoint": f"ec2.{name}.amazonaws.com"}


@invoke("aws:index/getPartition:getPartition")
def partition(ctx: Ctx, args: Inputs) -> dict[str, Any]:
    return {"id": "aws", "partition": "aws", "dnsSuffix": "amazonaws.com"}


@invoke("aws:ec2/getPrefixList:getPrefixList")
def prefix_list(ctx: Ctx, args: Inputs) -> dict[str, Any]:
    filters = [{"Name": f["name"], "Values": list(f["values"])} for f in args.get("filters") or []]
    if args.get("name"):
        filters.append({"Name": "prefix-list-name", "Values": [args["name"]]})
    ids = [args["prefixListId"]] if args.get("prefixListId") else []
    found = ctx.client("ec2").describe_managed_prefix_lists(Filters=filters, PrefixListIds=ids)
    lists = found["PrefixLists"]
    if len(lists) != 1:
        raise ValueError(f"getPrefixList {args}: {len(lists)} prefix lists match in {ctx.region}")
    pl = lists[0]
    entries = ctx.client("ec2").get_managed_prefix_list_entries(PrefixListId=pl["PrefixListId"])
    return {
        "id": pl["PrefixListId"],
        "name": pl["PrefixListName"],
        "cidrBlocks": [e["Cidr"] for e in entries["Entries"]],
    }


@invoke("aws:iam/getPolicy:getPolicy")
def managed_policy(ctx: Ctx, args: Inputs) -> dict[str, Any]:
    from offline.emulator.logs_iam import ensure_aws_managed_policy

    iam = ctx.client("iam")
    arn = args.get("arn") or f"arn:aws:iam::aws:policy/{args['name']}"
    ensure_aws_managed_policy(ctx, arn)
    policy = iam.get_policy(PolicyArn=arn)["Policy"]
    version = iam.get_policy_version(PolicyArn=arn, VersionId=policy["DefaultVersionId"])
    document = version["PolicyVersion"]["Document"]
    return {
        "id": arn,
        "arn": arn,
        "name": policy["PolicyName"],
        "path": policy["Path"],
        "policyId": policy["PolicyId"],
        "policy": document if isinstance(document, str) else json.dumps(document),
    }


@invoke("aws:ssm/getParameter:getParameter")
def ssm_parameter(ctx: Ctx, args: Inputs) -> dict[str, Any]:
    name = args["name"]
    if name.startswith("/aws/service/powertools/"):
        _seed_public_parameter(ctx, name, _powertools_layer_arn(ctx, name))
    p = ctx.client("ssm").get_parameter(Name=name, WithDecryption=bool(args.get("withDecryption")))
    p = p["Parameter"]
    return {
        "id": name,
        "name": name,
        "arn": p.get("ARN", ""),
        "type": p["Type"],
        "value": p["Value"],
        "insecureValue": p["Value"],
        "version": p["Version"],
    }


def _powertools_layer_arn(ctx: Ctx, name: str) -> str:
    """The value AWS publishes under /aws/service/powertools/python/<arch>/<runtime>/latest."""
    _, _, _, _, _, arch, runtime, _ = name.split("/")
    suffix = "-Arm64" if arch == "arm64" else ""
    return (
        f"arn:aws:lambda:{ctx.region}:017000801446:layer:"
        f"AWSLambdaPowertoolsPythonV3-{runtime.replace('.', '')}-{arch}{suffix}:1"
    )


def _seed_public_parameter(ctx: Ctx, name: str, value: str) -> None:
    """AWS public parameters cannot be put through the API (the /aws prefix is reserved, and moto
    enforces it): write it into moto's SSM backend of this account and region directly."""
    from moto.ssm.models import Parameter, ssm_backends

    parameters = ssm_backends[ctx.account_id][ctx.region]._parameters
    if name in parameters:
        return
    parameters[name].append(
        Parameter(
            account_id=ctx.account_id,
            name=name,
            value=value,
            parameter_type="String",
            description=None,
            allowed_pattern=None,
            keyid=None,
            last_modified_date=datetime.datetime.now(datetime.UTC),
            version=1,
            data_type="text",
        )
    )


def _one_or_list(values: list[Any]) -> Any:
    """The provider writes a single value as a string, several as a list."""
    values = list(values)
    return values[0] if len(values) == 1 else values


@invoke("aws:iam/getPolicyDocument:getPolicyDocument")
def policy_document(ctx: Ctx, args: Inputs) -> dict[str, Any]:
    """Rendered locally, as the provider does (no AWS call); moto's IAM grammar checks it when
    the document is used by a policy."""
    statements = []
    for s in args.get("statements") or []:
        effect = s.get("effect") or "Allow"
        if effect not in ("Allow", "Deny"):
            raise ValueError(f"getPolicyDocument: effect {effect!r} is not Allow or Deny")
        out: dict[str, Any] = {}
        if s.get("sid"):
            out["Sid"] = s["sid"]
        out["Effect"] = effect
        for key, name in (
            ("actions", "Action"),
            ("notActions", "NotAction"),
            ("resources", "Resource"),
            ("notResources", "NotResource"),
        ):
            if s.get(key):
                out[name] = _one_or_list(s[key])
        for key, name in (("principals", "Principal"), ("notPrincipals", "NotPrincipal")):
            if s.get(key):
                principals: dict[str, Any] = {}
                for p in s[key]:
                    if p["type"] == "*":
                        principals = "*"  # type: ignore[assignment]
                        break
                    principals[p["type"]] = _one_or_list(p["identifiers"])
                out[name] = principals
        if s.get("conditions"):
            conditions: dict[str, dict[str, Any]] = {}
            for c in s["conditions"]:
                conditions.setdefault(c["test"], {})[c["variable"]] = _one_or_list(c["values"])
            out["Condition"] = conditions
        statements.append(out)
    document = {"Version": args.get("version") or "2012-10-17", "Statement": statements}
    if args.get("policyId"):
        document = {"Version": document["Version"], "Id": args["policyId"], **document}
    rendered = json.dumps(document, indent=2)
    return {
        "id": str(abs(hash(rendered))),
        "json": rendered,
        "minifiedJson": json.dumps(document, separators=(",", ":")),
    }


@invoke("aws:secretsmanager/getRandomPassword:getRandomPassword")
def random_password(ctx: Ctx, args: Inputs) -> dict[str, Any]:
    kwargs: dict[str, Any] = {}
    for key, api in (
        ("passwordLength", "PasswordLength"),
        ("excludeCharacters", "ExcludeCharacters"),
        ("excludeNumbers", "ExcludeNumbers"),
        ("excludePunctuation", "ExcludePunctuation"),
        ("excludeUppercase", "ExcludeUppercase"),
        ("excludeLowercase", "ExcludeLowercase"),
        ("includeSpace", "IncludeSpace"),
        ("requireEachIncludedType", "RequireEachIncludedType"),
    ):
        if args.get(key) is not None:
            value = args[key]
            kwargs[api] = int(value) if key == "passwordLength" else value
    password = ctx.client("secretsmanager").get_random_password(**kwargs)["RandomPassword"]
    return {"id": ctx.region, "randomPassword": password}

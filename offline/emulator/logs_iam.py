"""CloudWatch Logs log groups and IAM roles, policies and attachments."""

from __future__ import annotations

import fnmatch
import functools
import json
from typing import Any

from offline.emulator.registry import (
    Created,
    Ctx,
    EmulatorRejected,
    Inputs,
    as_json,
    number,
    physical_name,
    resource,
)


@resource("aws:cloudwatch/logGroup:LogGroup")
def log_group(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    logs = ctx.client("logs")
    group_name = inputs.get("name") or physical_name(inputs.get("namePrefix") or name, 512)
    kwargs: dict[str, Any] = {"logGroupName": group_name}
    if ctx.tags(inputs):
        kwargs["tags"] = ctx.tags(inputs)
    if inputs.get("kmsKeyId"):
        _check_log_key(ctx, inputs["kmsKeyId"], ctx.arn("logs", f"log-group:{group_name}"))
        kwargs["kmsKeyId"] = inputs["kmsKeyId"]
    if inputs.get("logGroupClass"):
        kwargs["logGroupClass"] = inputs["logGroupClass"]
    logs.create_log_group(**kwargs)
    retention = number(inputs.get("retentionInDays"))
    if retention:
        logs.put_retention_policy(logGroupName=group_name, retentionInDays=retention)
    # The provider strips CloudWatch's trailing ":*" from the ARN.
    return group_name, {
        "name": group_name,
        "arn": ctx.arn("logs", f"log-group:{group_name}"),
        "retentionInDays": retention or 0,
    }


_LOGS_KEY_USES = ("kms:GenerateDataKey", "kms:Decrypt")


def _check_log_key(ctx: Ctx, key_arn: str, group_arn: str) -> None:
    """What CreateLogGroup with a kmsKeyId checks: the key is an enabled key ARN in the group's
    region, and its policy lets `logs.<region>.amazonaws.com` use it for this group (CloudWatch
    Logs user guide, "Encrypt log data in CloudWatch Logs using AWS KMS": otherwise "The
    specified KMS key does not exist or is not allowed to be used"). The Allow statements are
    matched here directly: action patterns, and an ArnLike/ArnEquals/StringLike/StringEquals
    condition on `kms:EncryptionContext:aws:logs:arn` matched against the group's ARN."""
    parts = key_arn.split(":")
    if len(parts) != 6 or parts[2] != "kms" or not parts[5].startswith("key/"):
        raise EmulatorRejected(f"InvalidParameterException: kmsKeyId {key_arn} is not a key ARN")
    if parts[3] != ctx.region:
        raise EmulatorRejected(
            f"InvalidParameterException: key {key_arn} is not in the log group's region "
            f"{ctx.region}"
        )
    kms = ctx.at(parts[4], parts[3]).client("kms")
    try:
        meta = kms.describe_key(KeyId=key_arn)["KeyMetadata"]
    except kms.exceptions.NotFoundException:
        raise EmulatorRejected(f"AccessDeniedException: key {key_arn} does not exist") from None
    if meta["KeyState"] != "Enabled":
        raise EmulatorRejected(f"AccessDeniedException: key {key_arn} is {meta['KeyState']}")
    policy = json.loads(kms.get_key_policy(KeyId=key_arn, PolicyName="default")["Policy"])
    service = f"logs.{ctx.region}.amazonaws.com"
    if not all(_key_policy_allows(policy, service, a, group_arn) for a in _LOGS_KEY_USES):
        raise EmulatorRejected(
            f"AccessDeniedException: the policy of key {key_arn} does not allow {service} "
            f"to use it for {group_arn} ({', '.join(_LOGS_KEY_USES)} with the encryption "
            "context kms:EncryptionContext:aws:logs:arn)"
        )


def _key_policy_allows(policy: dict, service: str, action: str, group_arn: str) -> bool:
    statements = policy.get("Statement") or []
    for statement in statements if isinstance(statements, list) else [statements]:
        principal = statement.get("Principal") or {}
        services = principal.get("Service", []) if isinstance(principal, dict) else []
        services = [services] if isinstance(services, str) else services
        actions = statement.get("Action") or []
        actions = [actions] if isinstance(actions, str) else actions
        if statement.get("Effect") != "Allow" or service not in services:
            continue
        if not any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in actions):
            continue
        if all(
            _condition_holds(op, key, value, group_arn)
            for op, block in (statement.get("Condition") or {}).items()
            for key, value in block.items()
        ):
            return True
    return False


def _condition_holds(operator: str, key: str, expected, group_arn: str) -> bool:
    if key.lower() != "kms:encryptioncontext:aws:logs:arn":
        return False  # a condition on another key: Logs sends nothing it could satisfy with
    patterns = [expected] if isinstance(expected, str) else list(expected)
    if operator in ("ArnLike", "StringLike"):
        return any(fnmatch.fnmatchcase(group_arn, p) for p in patterns)
    if operator in ("ArnEquals", "StringEquals"):
        return group_arn in patterns
    return False


@resource("aws:iam/role:Role")
def role(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    iam = ctx.client("iam")
    role_name = inputs.get("name") or physical_name(inputs.get("namePrefix") or name, 64)
    kwargs: dict[str, Any] = {
        "RoleName": role_name,
        "AssumeRolePolicyDocument": as_json(inputs["assumeRolePolicy"]),
        "Path": inputs.get("path") or "/",
        "Tags": ctx.tag_list(inputs),
    }
    if inputs.get("description"):
        kwargs["Description"] = inputs["description"]
    if inputs.get("maxSessionDuration"):
        kwargs["MaxSessionDuration"] = number(inputs["maxSessionDuration"])
    if inputs.get("permissionsBoundary"):
        kwargs["PermissionsBoundary"] = inputs["permissionsBoundary"]
    out = iam.create_role(**kwargs)["Role"]
    for policy in inputs.get("inlinePolicies") or []:
        iam.put_role_policy(
            RoleName=role_name, PolicyName=policy["name"], PolicyDocument=as_json(policy["policy"])
        )
    for arn in inputs.get("managedPolicyArns") or []:
        ensure_aws_managed_policy(ctx, arn)
        iam.attach_role_policy(RoleName=role_name, PolicyArn=arn)
    return role_name, {
        "name": role_name,
        "arn": out["Arn"],
        "uniqueId": out["RoleId"],
        "createDate": out["CreateDate"].isoformat(),
        "path": out["Path"],
    }


def _role_name(role: str) -> str:
    """`role` inputs take a name or (by mistake, often) an ARN; AWS wants the name."""
    if role.startswith("arn:"):
        raise EmulatorRejected(f"role {role!r} must be a role name, not an ARN")
    return role


@resource("aws:iam/rolePolicy:RolePolicy")
def role_policy(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    role_name = _role_name(inputs["role"])
    policy_name = inputs.get("name") or physical_name(inputs.get("namePrefix") or name, 128)
    # moto checks the policy grammar (Version, Statement, Effect, Action/Resource) like IAM does.
    ctx.client("iam").put_role_policy(
        RoleName=role_name, PolicyName=policy_name, PolicyDocument=as_json(inputs["policy"])
    )
    return f"{role_name}:{policy_name}", {"name": policy_name}


@resource("aws:iam/policy:Policy")
def policy(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    policy_name = inputs.get("name") or physical_name(inputs.get("namePrefix") or name, 128)
    kwargs: dict[str, Any] = {
        "PolicyName": policy_name,
        "PolicyDocument": as_json(inputs["policy"]),
        "Path": inputs.get("path") or "/",
        "Tags": ctx.tag_list(inputs),
    }
    if inputs.get("description"):
        kwargs["Description"] = inputs["description"]
    out = ctx.client("iam").create_policy(**kwargs)["Policy"]
    return out["Arn"], {
        "arn": out["Arn"],
        "name": policy_name,
        "policyId": out["PolicyId"],
        "attachmentCount": 0,
    }


@functools.cache
def _aws_managed_policies() -> dict[str, Any]:
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    return json.loads(aws_managed_policies_data)


def ensure_aws_managed_policy(ctx: Ctx, arn: str) -> None:
    """AWS managed policies exist in every account. moto can load all of them into each account
    (`load_aws_managed_policies`), which costs seconds per account: add the one asked for, from
    moto's own copy of the AWS list. An ARN AWS does not publish stays unknown (NoSuchEntity)."""
    if not arn.startswith("arn:aws:iam::aws:policy/"):
        return
    from moto.iam.models import AWSManagedPolicy, iam_backends

    backend = iam_backends[ctx.account_id]["aws"]
    name = arn.rsplit("/", 1)[-1]
    data = _aws_managed_policies().get(name)
    if arn not in backend.managed_policies and data is not None:
        policy = AWSManagedPolicy.from_data(name, ctx.account_id, "us-east-1", data)
        if policy.arn == arn:
            backend.managed_policies[arn] = policy


@resource("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
def role_policy_attachment(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    role_name = _role_name(inputs["role"])
    ensure_aws_managed_policy(ctx, inputs["policyArn"])
    ctx.client("iam").attach_role_policy(RoleName=role_name, PolicyArn=inputs["policyArn"])
    return f"{role_name}-{physical_name(name)[-7:]}", {}

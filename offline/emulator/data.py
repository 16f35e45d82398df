"""Data at rest: KMS keys and aliases, DynamoDB tables, Secrets Manager, SSM parameters."""

from __future__ import annotations

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


@resource("aws:kms/key:Key")
def key(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    kms = ctx.client("kms")
    kwargs: dict[str, Any] = {
        "KeyUsage": inputs.get("keyUsage") or "ENCRYPT_DECRYPT",
        "KeySpec": inputs.get("customerMasterKeySpec")
        or inputs.get("keySpec")
        or "SYMMETRIC_DEFAULT",
        "Tags": [{"TagKey": k, "TagValue": v} for k, v in ctx.tags(inputs).items()],
        "MultiRegion": bool(inputs.get("multiRegion", False)),
    }
    if inputs.get("description"):
        kwargs["Description"] = inputs["description"]
    if inputs.get("policy"):
        kwargs["Policy"] = as_json(inputs["policy"])
    meta = kms.create_key(**kwargs)["KeyMetadata"]
    if inputs.get("enableKeyRotation"):
        kms.enable_key_rotation(KeyId=meta["KeyId"])
    window = number(inputs.get("deletionWindowInDays"))
    if window is not None and not 7 <= window <= 30:
        raise EmulatorRejected(f"deletionWindowInDays {window} is outside 7..30")
    return meta["KeyId"], {"arn": meta["Arn"], "keyId": meta["KeyId"]}


@resource("aws:kms/alias:Alias")
def alias(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    alias_name = inputs.get("name") or physical_name(inputs.get("namePrefix") or f"alias/{name}")
    if not alias_name.startswith("alias/") or alias_name.startswith("alias/aws/"):
        raise EmulatorRejected(f"alias name {alias_name!r} must start with alias/ (not alias/aws/)")
    kms = ctx.client("kms")
    kms.create_alias(AliasName=alias_name, TargetKeyId=inputs["targetKeyId"])
    target = kms.describe_key(KeyId=inputs["targetKeyId"])["KeyMetadata"]
    return alias_name, {
        "name": alias_name,
        "arn": ctx.arn("kms", alias_name),
        "targetKeyArn": target["Arn"],
    }


def _key_schema(hash_key: str, range_key: str | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    if range_key:
        schema.append({"AttributeName": range_key, "KeyType": "RANGE"})
    return schema


def _index_key_schema(index: Inputs) -> list[dict[str, str]]:
    """pulumi-aws 7 takes `keySchemas` (hashKey/rangeKey on an index are deprecated)."""
    if index.get("keySchemas"):
        return [
            {"AttributeName": k["attributeName"], "KeyType": k["keyType"]}
            for k in index["keySchemas"]
        ]
    return _key_schema(index["hashKey"], index.get("rangeKey"))


def _projection(index: Inputs) -> dict[str, Any]:
    projection: dict[str, Any] = {"ProjectionType": index.get("projectionType") or "ALL"}
    if index.get("nonKeyAttributes"):
        projection["NonKeyAttributes"] = list(index["nonKeyAttributes"])
    return projection


@resource("aws:dynamodb/table:Table")
def table(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    dynamodb = ctx.client("dynamodb")
    table_name = inputs.get("name") or physical_name(name, 255)
    billing = inputs.get("billingMode") or "PROVISIONED"
    kwargs: dict[str, Any] = {
        "TableName": table_name,
        "BillingMode": billing,
        "KeySchema": _key_schema(inputs["hashKey"], inputs.get("rangeKey")),
        "AttributeDefinitions": [
            {"AttributeName": a["name"], "AttributeType": a["type"]}
            for a in inputs.get("attributes") or []
        ],
        "Tags": ctx.tag_list(inputs),
        "DeletionProtectionEnabled": bool(inputs.get("deletionProtectionEnabled", False)),
    }
    if billing == "PROVISIONED":
        kwargs["ProvisionedThroughput"] = {
            "ReadCapacityUnits": number(inputs.get("readCapacity")) or 0,
            "WriteCapacityUnits": number(inputs.get("writeCapacity")) or 0,
        }
    indexes = []
    for index in inputs.get("globalSecondaryIndexes") or []:
        entry: dict[str, Any] = {
            "IndexName": index["name"],
            "KeySchema": _index_key_schema(index),
            "Projection": _projection(index),
        }
        if billing == "PROVISIONED":
            entry["ProvisionedThroughput"] = {
                "ReadCapacityUnits": number(index.get("readCapacity")) or 0,
                "WriteCapacityUnits": number(index.get("writeCapacity")) or 0,
            }
        indexes.append(entry)
    if indexes:
        kwargs["GlobalSecondaryIndexes"] = indexes
    local = [
        {
            "IndexName": index["name"],
            "KeySchema": _key_schema(inputs["hashKey"], index["rangeKey"]),
            "Projection": _projection(index),
        }
        for index in inputs.get("localSecondaryIndexes") or []
    ]
    if local:
        kwargs["LocalSecondaryIndexes"] = local
    sse = inputs.get("serverSideEncryption") or {}
    if sse.get("enabled"):
        kwargs["SSESpecification"] = {"Enabled": True, "SSEType": "KMS"}
        if sse.get("kmsKeyArn"):
            kwargs["SSESpecification"]["KMSMasterKeyId"] = sse["kmsKeyArn"]
    if inputs.get("streamEnabled"):
        kwargs["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": inputs.get("streamViewType") or "NEW_AND_OLD_IMAGES",
        }
    if inputs.get("tableClass"):
        kwargs["TableClass"] = inputs["tableClass"]
    _check_attributes_are_keys(kwargs)
    description = dynamodb.create_table(**kwargs)["TableDescription"]
    pitr = inputs.get("pointInTimeRecovery") or {}
    if pitr.get("enabled"):
        dynamodb.update_continuous_backups(
            TableName=table_name,
            PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
        )
    ttl = inputs.get("ttl") or {}
    if ttl.get("enabled"):
        dynamodb.update_time_to_live(
            TableName=table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["attributeName"]},
        )
    return table_name, {
        "name": table_name,
        "arn": description["TableArn"],
        "streamArn": description.get("LatestStreamArn", ""),
        "streamLabel": description.get("LatestStreamLabel", ""),
        "billingMode": billing,
    }


def _check_attributes_are_keys(kwargs: dict[str, Any]) -> None:
    """AWS: every attribute definition must be used by a key schema of the table or an index."""
    used = {k["AttributeName"] for k in kwargs["KeySchema"]}
    for index in [
        *kwargs.get("GlobalSecondaryIndexes", []),
        *kwargs.get("LocalSecondaryIndexes", []),
    ]:
        used |= {k["AttributeName"] for k in index["KeySchema"]}
    defined = {a["AttributeName"] for a in kwargs["AttributeDefinitions"]}
    if defined != used:
        raise EmulatorRejected(
            "ValidationException: attributes must be exactly the key attributes of the table and "
            f"its indexes: defined {sorted(defined)}, used as keys {sorted(used)}"
        )


@resource("aws:secretsmanager/secret:Secret")
def secret(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    secret_name = inputs.get("name") or physical_name(inputs.get("namePrefix") or name, 512)
    kwargs: dict[str, Any] = {"Name": secret_name, "Tags": ctx.tag_list(inputs)}
    if inputs.get("description"):
        kwargs["Description"] = inputs["description"]
    if inputs.get("kmsKeyId"):
        kwargs["KmsKeyId"] = inputs["kmsKeyId"]
    out = ctx.client("secretsmanager").create_secret(**kwargs)
    if inputs.get("policy"):
        ctx.client("secretsmanager").put_resource_policy(
            SecretId=out["ARN"], ResourcePolicy=as_json(inputs["policy"])
        )
    return out["ARN"], {"arn": out["ARN"], "name": secret_name}


@resource("aws:secretsmanager/secretVersion:SecretVersion")
def secret_version(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    kwargs: dict[str, Any] = {"SecretId": inputs["secretId"]}
    if inputs.get("secretString") is not None:
        kwargs["SecretString"] = inputs["secretString"]
    elif inputs.get("secretBinary") is not None:
        kwargs["SecretBinary"] = inputs["secretBinary"]
    else:
        raise EmulatorRejected("a secret version needs secretString or secretBinary")
    if inputs.get("versionStages"):
        kwargs["VersionStages"] = list(inputs["versionStages"])
    out = ctx.client("secretsmanager").put_secret_value(**kwargs)
    return f"{out['ARN']}|{out['VersionId']}", {"arn": out["ARN"], "versionId": out["VersionId"]}


@resource("aws:ssm/parameter:Parameter")
def parameter(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    parameter_name = inputs.get("name") or name
    kwargs: dict[str, Any] = {
        "Name": parameter_name,
        "Value": inputs.get("value") or inputs.get("insecureValue") or "",
        "Type": inputs["type"],
        "Overwrite": bool(inputs.get("overwrite", False)),
        "Tier": inputs.get("tier") or "Standard",
    }
    for key, api in (
        ("description", "Description"),
        ("keyId", "KeyId"),
        ("allowedPattern", "AllowedPattern"),
        ("dataType", "DataType"),
    ):
        if inputs.get(key):
            kwargs[api] = inputs[key]
    ssm = ctx.client("ssm")
    out = ssm.put_parameter(**kwargs)
    if ctx.tags(inputs):
        ssm.add_tags_to_resource(
            ResourceType="Parameter", ResourceId=parameter_name, Tags=ctx.tag_list(inputs)
        )
    path = parameter_name if parameter_name.startswith("/") else f"/{parameter_name}"
    return parameter_name, {
        "name": parameter_name,
        "arn": ctx.arn("ssm", f"parameter{path}"),
        "version": out["Version"],
        "tier": kwargs["Tier"],
    }

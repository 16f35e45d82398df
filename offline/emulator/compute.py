"""Lambda functions (code zipped from the program's Pulumi archive) and their permissions."""

from __future__ import annotations

import base64
import hashlib
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pulumi

from offline.emulator.registry import (
    Created,
    Ctx,
    EmulatorRejected,
    Inputs,
    number,
    physical_name,
    resource,
)

_LAYER_ARN = re.compile(r"^arn:aws:lambda:([a-z0-9-]+):(\d{12}):layer:[A-Za-z0-9_-]+:\d+$")


def _add_archive(archive: Any, zf: zipfile.ZipFile, prefix: str = "") -> None:
    if isinstance(archive, pulumi.AssetArchive):
        for name, item in archive.assets.items():
            target = f"{prefix}{name}"
            if isinstance(item, pulumi.FileAsset):
                zf.write(item.path, target)
            elif isinstance(item, pulumi.StringAsset):
                zf.writestr(target, item.text)
            else:  # a nested archive: its files go under `name/`
                _add_archive(item, zf, f"{target}/")
    elif isinstance(archive, pulumi.FileArchive):
        path = Path(archive.path)
        if path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                if "__pycache__" not in file.parts:
                    zf.write(file, f"{prefix}{file.relative_to(path).as_posix()}")
        else:
            with zipfile.ZipFile(path) as source:
                for info in source.infolist():
                    zf.writestr(f"{prefix}{info.filename}", source.read(info))
    else:
        raise EmulatorRejected(
            f"code must be an archive (AssetArchive or FileArchive), got {archive!r}"
        )


def zip_bytes(archive: Any) -> bytes:
    """The zip the provider would upload for a Pulumi archive."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        _add_archive(archive, zf)
    return buffer.getvalue()


def _check_vpc_config(ctx: Ctx, vpc_config: Inputs) -> dict[str, Any]:
    """moto does not look the subnets and groups up; AWS needs them in the function's account."""
    subnets = list(vpc_config.get("subnetIds") or [])
    groups = list(vpc_config.get("securityGroupIds") or [])
    ec2 = ctx.client("ec2")
    found = ec2.describe_subnets(SubnetIds=subnets)["Subnets"] if subnets else []
    if groups:
        ec2.describe_security_groups(GroupIds=groups)
    if len({s["VpcId"] for s in found}) > 1:
        raise EmulatorRejected(f"vpcConfig subnets {subnets} are in more than one VPC")
    return {"SubnetIds": subnets, "SecurityGroupIds": groups}


@resource("aws:lambda/function:Function")
def function(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    lam = ctx.client("lambda")
    function_name = inputs.get("name") or physical_name(name, 64)
    if not inputs.get("code"):
        raise EmulatorRejected("the emulator maps zip functions only: `code` is required")
    code = zip_bytes(inputs["code"])
    kwargs: dict[str, Any] = {
        "FunctionName": function_name,
        "Role": inputs["role"],
        "Runtime": inputs["runtime"],
        "Handler": inputs["handler"],
        "Code": {"ZipFile": code},
        "MemorySize": number(inputs.get("memorySize")) or 128,
        "Timeout": number(inputs.get("timeout")) or 3,
        "Publish": bool(inputs.get("publish", False)),
        "Tags": ctx.tags(inputs),
        "Architectures": list(inputs.get("architectures") or ["x86_64"]),
    }
    if inputs.get("description"):
        kwargs["Description"] = inputs["description"]
    if inputs.get("environment"):
        kwargs["Environment"] = {"Variables": dict(inputs["environment"].get("variables") or {})}
    if inputs.get("vpcConfig"):
        kwargs["VpcConfig"] = _check_vpc_config(ctx, inputs["vpcConfig"])
    if inputs.get("tracingConfig"):
        kwargs["TracingConfig"] = {"Mode": inputs["tracingConfig"]["mode"]}
    if inputs.get("kmsKeyArn"):
        kwargs["KMSKeyArn"] = inputs["kmsKeyArn"]
    logging_config = inputs.get("loggingConfig")
    if logging_config:
        kwargs["LoggingConfig"] = {
            api: logging_config[key]
            for key, api in (
                ("logFormat", "LogFormat"),
                ("logGroup", "LogGroup"),
                ("applicationLogLevel", "ApplicationLogLevel"),
                ("systemLogLevel", "SystemLogLevel"),
            )
            if logging_config.get(key)
        }
    layers = list(inputs.get("layers") or [])
    for layer in layers:
        match = _LAYER_ARN.match(layer)
        if not match or match.group(1) != ctx.region:
            raise EmulatorRejected(
                f"layer {layer} is not a layer version ARN in the function's region {ctx.region}"
            )
    # Public layers (another account, e.g. Powertools') are not in moto: checked above by shape
    # and region, passed on only when they are the account's own.
    own_layers = [arn for arn in layers if arn.split(":")[4] == ctx.account_id]
    if own_layers:
        kwargs["Layers"] = own_layers
    config = lam.create_function(**kwargs)
    if inputs.get("reservedConcurrentExecutions") is not None:
        reserved = number(inputs["reservedConcurrentExecutions"])
        if reserved is not None and reserved >= 0:
            lam.put_function_concurrency(
                FunctionName=function_name, ReservedConcurrentExecutions=reserved
            )
    arn = config["FunctionArn"]
    return function_name, {
        "name": function_name,
        "arn": arn,
        "qualifiedArn": f"{arn}:{config.get('Version', '$LATEST')}",
        "invokeArn": (
            f"arn:aws:apigateway:{ctx.region}:lambda:path/2015-03-31/functions/{arn}/invocations"
        ),
        "version": config.get("Version", "$LATEST"),
        "lastModified": config.get("LastModified", ""),
        "sourceCodeHash": base64.b64encode(hashlib.sha256(code).digest()).decode(),
        "sourceCodeSize": len(code),
        "layers": layers,
    }


@resource("aws:lambda/permission:Permission")
def permission(ctx: Ctx, name: str, inputs: Inputs) -> Created:
    statement_id = inputs.get("statementId") or physical_name(
        inputs.get("statementIdPrefix") or name, 100
    )
    kwargs: dict[str, Any] = {
        "FunctionName": inputs["function"],
        "StatementId": statement_id,
        "Action": inputs["action"],
        "Principal": inputs["principal"],
    }
    for key, api in (
        ("sourceArn", "SourceArn"),
        ("sourceAccount", "SourceAccount"),
        ("qualifier", "Qualifier"),
        ("eventSourceToken", "EventSourceToken"),
        ("principalOrgId", "PrincipalOrgID"),
        ("functionUrlAuthType", "FunctionUrlAuthType"),
    ):
        if inputs.get(key):
            kwargs[api] = inputs[key]
    ctx.client("lambda").add_permission(**kwargs)
    return statement_id, {"statementId": statement_id}

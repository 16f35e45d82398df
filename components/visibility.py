"""SharedResourceVisible: wait, bounded, until a RAM-shared resource is visible in an account.

A RAM share is eventually consistent: right after the principal association (and the
acceptance, outside an organization) the receiving account may not see the resource yet, and
its association fails (terraform-provider-aws#11902: `aws_route53_resolver_rule_association`
right after `aws_ram_principal_association`). Ordering alone cannot fix that, so each
association made by a receiving account depends on one of these: a `pulumi.dynamic` resource
whose create polls, in the receiving account and region, the service's own read of the resource
(the call the association needs to succeed), with backoff, until it answers or the deadline
passes, and then fails naming the resource, the account, how long it waited and how often.

Credentials: the same as the account's `aws.Provider`: the ambient ones, or those of
`sts:AssumeRole` on the account's `roleArn`, checked against the account id as the provider's
`allowedAccountIds` is. The poll runs only in `create`: `pulumi preview` plans it without a call
(its outputs are the inputs, known in advance), and a later `up` with the same inputs makes no
call. The provider is pickled by reference (dill): the program's directory must be importable
by the dynamic provider host, as it is when `pulumi` runs from the project directory.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi.dynamic

# How long an association waits for a share to reach its account, and the polling backoff.
# terraform-provider-aws#11902 reports the failure right after the share; the typical
# propagation is seconds to a minute.
TIMEOUT_SECONDS = 300
FIRST_DELAY_SECONDS, MAX_DELAY_SECONDS = 2.0, 20.0

# The inputs whose change makes it wait again (a new resource): what is awaited, and where.
REPLACES = ("resourceArn", "accountId", "region", "roleArn")
VISIBLE_TYPE = "pulumi-python:dynamic/sharing:SharedResourceVisible"

# A read that answers "no such resource" (not yet visible) rather than a real error.
_NOT_FOUND = {"ResourceNotFoundException", "InvalidTransitGatewayID.NotFound"}


class ShareNotVisible(RuntimeError):
    """The shared resource did not become visible in the account within the bound."""


def wait_until_visible(
    check: Callable[[], bool],
    *,
    resource_arn: str,
    account_id: str,
    region: str,
    timeout_seconds: float = TIMEOUT_SECONDS,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """Poll `check` with exponential backoff until it is true; the number of polls it took.
    Raises ShareNotVisible past `timeout_seconds`."""
    start = clock()
    deadline = start + timeout_seconds
    delay, polls = FIRST_DELAY_SECONDS, 0
    while True:
        polls += 1
        if check():
            return polls
        now = clock()
        if now >= deadline:
            raise ShareNotVisible(
                f"{resource_arn} is not visible in account {account_id} ({region}) after "
                f"{now - start:.0f} s and {polls} polls (bound {timeout_seconds:.0f} s): the RAM "
                "share has not reached the account. Check the share's principal association "
                "(and, outside an organization, that the account accepted it) in the owner "
                "account, then run `pulumi up` again"
            )
        sleep(min(delay, deadline - now))
        delay = min(delay * 2, MAX_DELAY_SECONDS)


def service_read(session: Any, resource_arn: str, region: str) -> Callable[[], bool]:
    """The read the association needs, in the receiving account: true once it finds the
    resource, false while the service answers not found; any other error is raised."""
    import botocore.exceptions

    kind, _, resource_id = resource_arn.split(":", 5)[5].partition("/")
    resolver = "route53resolver"
    calls: dict[str, tuple[str, str, dict[str, Any]]] = {
        "resolver-rule": (resolver, "get_resolver_rule", {"ResolverRuleId": resource_id}),
        "firewall-rule-group": (
            resolver, "get_firewall_rule_group", {"FirewallRuleGroupId": resource_id},
        ),
        "resolver-query-log-config": (
            resolver, "get_resolver_query_log_config", {"ResolverQueryLogConfigId": resource_id},
        ),
        "transit-gateway": (
            "ec2", "describe_transit_gateways", {"TransitGatewayIds": [resource_id]},
        ),
    }  # fmt: skip
    if kind not in calls:
        raise ValueError(f"{resource_arn}: no visibility check for shared {kind} resources")
    service, operation, params = calls[kind]
    client = session.client(service, region_name=region)

    def check() -> bool:
        try:
            answer = getattr(client, operation)(**params)
        except botocore.exceptions.ClientError as e:
            if e.response["Error"]["Code"] in _NOT_FOUND:
                return False
            raise
        return bool(answer.get("TransitGateways", True))

    return check


def account_session(account_id: str, region: str, role_arn: str | None) -> Any:
    """A boto3 session in `account_id`, made the way the account's provider makes it."""
    import boto3

    session = boto3.Session(region_name=region)
    if role_arn:
        creds = session.client("sts").assume_role(
            RoleArn=role_arn, RoleSessionName="hubspoke-share-visibility"
        )["Credentials"]
        session = boto3.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
            region_name=region,
        )
    found = session.client("sts").get_caller_identity()["Account"]
    if found != account_id:
        raise ShareNotVisible(
            f"the credentials for account {account_id} resolve to account {found}: cannot check "
            "what that account sees"
        )
    return session


class _Provider(pulumi.dynamic.ResourceProvider):
    """Create polls; the inputs name what is awaited, so a change of them waits again."""

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        session = account_session(props["accountId"], props["region"], props.get("roleArn"))
        check = service_read(session, props["resourceArn"], props["region"])
        wait_until_visible(
            check,
            resource_arn=props["resourceArn"],
            account_id=props["accountId"],
            region=props["region"],
            timeout_seconds=float(props["timeoutSeconds"]),
        )
        return pulumi.dynamic.CreateResult(
            id_=f"{props['accountId']}/{props['resourceArn']}", outs=props
        )

    def diff(self, _id: str, old: dict[str, Any], new: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        replaces = [k for k in REPLACES if old.get(k) != new.get(k)]
        changed = replaces or old.get("timeoutSeconds") != new.get("timeoutSeconds")
        return pulumi.dynamic.DiffResult(changes=bool(changed), replaces=replaces)

    def update(
        self, _id: str, _olds: dict[str, Any], news: dict[str, Any]
    ) -> pulumi.dynamic.UpdateResult:
        return pulumi.dynamic.UpdateResult(outs=news)  # only the bound changed


class SharedResourceVisible(
    pulumi.dynamic.Resource, module="sharing", name="SharedResourceVisible"
):
    """Exists once `resource_arn` is visible in `account_id` (see the module docstring)."""

    def __init__(
        self,
        name: str,
        *,
        resource_arn: pulumi.Input[str],
        account_id: str,
        region: str,
        role_arn: str | None,
        opts: pulumi.ResourceOptions,
        timeout_seconds: int = TIMEOUT_SECONDS,
    ) -> None:
        props = {
            "resourceArn": resource_arn,
            "accountId": account_id,
            "region": region,
            "roleArn": role_arn,
            "timeoutSeconds": timeout_seconds,
        }
        super().__init__(_Provider(), name, props, opts)

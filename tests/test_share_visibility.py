"""Every association a receiving account makes waits until the RAM share has reached it
(components/visibility.py), and the wait itself: backoff, bound, error, the service reads."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from components.visibility import (
    VISIBLE_TYPE,
    ShareNotVisible,
    service_read,
    wait_until_visible,
)
from offline.runner import RunResult

NETWORK = "111122223333"
# Association type -> (its input naming the shared resource, the shared resource's type).
ASSOCIATIONS = {
    "aws:route53/resolverRuleAssociation:ResolverRuleAssociation": (
        "resolverRuleId", "aws:route53/resolverRule:ResolverRule",
    ),
    "aws:route53/resolverFirewallRuleGroupAssociation:ResolverFirewallRuleGroupAssociation": (
        "firewallRuleGroupId", "aws:route53/resolverFirewallRuleGroup:ResolverFirewallRuleGroup",
    ),
    "aws:route53/resolverQueryLogConfigAssociation:ResolverQueryLogConfigAssociation": (
        "resolverQueryLogConfigId", "aws:route53/resolverQueryLogConfig:ResolverQueryLogConfig",
    ),
    "aws:ec2transitgateway/vpcAttachment:VpcAttachment": (
        "transitGatewayId", "aws:ec2transitgateway/transitGateway:TransitGateway",
    ),
}  # fmt: skip


def test_each_association_by_another_account_waits_until_it_sees_the_resource(prod: RunResult):
    by_urn = {r.urn: r for r in prod.resources}
    waited = 0
    for type_, (key, shared_type) in ASSOCIATIONS.items():
        owners = {r.id: r for r in prod.of_type(shared_type)}
        for association in prod.of_type(type_):
            shared = owners[association.inputs[key]]
            waits = [by_urn[u] for u in association.dependencies if by_urn[u].type == VISIBLE_TYPE]
            if prod.account_of(association) == prod.account_of(shared):
                assert waits == [], association.name  # the owner's own VPCs need no share
                continue
            (wait,) = waits
            assert wait.inputs["resourceArn"] == shared.outputs["arn"], association.name
            assert wait.inputs["accountId"] == prod.account_of(association)
            assert wait.inputs["region"] == prod.region_of(association)
            assert wait.inputs["roleArn"].startswith(f"arn:aws:iam::{wait.inputs['accountId']}:")
            principals = [by_urn[u] for u in wait.dependencies]
            assert any(
                p.type == "aws:ram/principalAssociation:PrincipalAssociation"
                and p.inputs["principal"] == wait.inputs["accountId"]
                for p in principals
            ), wait.name
            waited += 1
    # app, shared (workloads) and data (analytics): the rule (not data: another region), the
    # rule groups, the query log configs and the gateways.
    assert waited == 2 + 3 + 3 + 3


class Clock:
    def __init__(self) -> None:
        self.now, self.sleeps = 100.0, []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_the_wait_backs_off_and_returns_once_the_resource_is_visible():
    clock, answers = Clock(), iter([False, False, False, True])
    polls = wait_until_visible(
        lambda: next(answers), resource_arn="arn:x", account_id="1", region="r",
        sleep=clock.sleep, clock=lambda: clock.now,
    )  # fmt: skip
    assert (polls, clock.sleeps) == (4, [2.0, 4.0, 8.0])


def test_the_wait_stops_at_its_bound_naming_resource_account_region_and_time():
    clock = Clock()
    with pytest.raises(
        ShareNotVisible,
        match=r"^arn:x is not visible in account 444455556666 \(eu-west-1\) after 60 s and 7 "
        r"polls \(bound 60 s\)",
    ):
        wait_until_visible(
            lambda: False, resource_arn="arn:x", account_id="444455556666", region="eu-west-1",
            timeout_seconds=60, sleep=clock.sleep, clock=lambda: clock.now,
        )  # fmt: skip
    assert clock.sleeps == [2.0, 4.0, 8.0, 16.0, 20.0, 10.0]  # capped at 20 s, then the deadline


class _Session:
    """A session whose clients are stubbed (botocore checks each call against the API model)."""

    def __init__(self) -> None:
        self.stubs: dict[str, Stubber] = {}

    def client(self, service: str, region_name: str) -> object:
        client = boto3.client(
            service, region_name=region_name, aws_access_key_id="x", aws_secret_access_key="x"
        )
        self.stubs[service] = Stubber(client)
        self.stubs[service].activate()
        return client


RULE = "arn:aws:route53resolver:eu-west-1:111122223333:resolver-rule/rslvr-rr-0123456789abcdef0"
TGW = "arn:aws:ec2:eu-west-1:111122223333:transit-gateway/tgw-0123456789abcdef0"


def test_the_resolver_read_is_false_while_not_found_and_raises_on_other_errors():
    session = _Session()
    check = service_read(session, RULE, "eu-west-1")
    stub = session.stubs["route53resolver"]
    params = {"ResolverRuleId": "rslvr-rr-0123456789abcdef0"}
    stub.add_client_error("get_resolver_rule", "ResourceNotFoundException", expected_params=params)
    stub.add_response("get_resolver_rule", {"ResolverRule": {"Id": "x"}}, params)
    stub.add_client_error("get_resolver_rule", "AccessDeniedException", expected_params=params)
    assert check() is False
    assert check() is True
    with pytest.raises(Exception, match="AccessDeniedException"):
        check()


def test_the_transit_gateway_read_counts_an_empty_answer_as_not_visible():
    session = _Session()
    check = service_read(session, TGW, "eu-west-1")
    stub = session.stubs["ec2"]
    params = {"TransitGatewayIds": ["tgw-0123456789abcdef0"]}
    stub.add_response("describe_transit_gateways", {"TransitGateways": []}, params)
    stub.add_client_error(
        "describe_transit_gateways", "InvalidTransitGatewayID.NotFound", expected_params=params
    )
    stub.add_response(
        "describe_transit_gateways", {"TransitGateways": [{"TransitGatewayId": "tgw-1"}]}, params
    )
    assert [check(), check(), check()] == [False, False, True]

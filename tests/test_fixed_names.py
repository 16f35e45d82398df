"""A resource that holds a fixed name or address cannot be replaced create-before-delete: the new
one asks for what the old one still holds (design pitfall 9). Every such resource the stack files
register is found mechanically and must carry `delete_before_replace`."""

from __future__ import annotations

import re

import pytest

from offline.diff import _has_unknown
from offline.force_new import replace_paths
from offline.mocks import PROVIDER_TYPE
from offline.runner import RunResult

# Inputs that name or address a resource. One of them that also forces replacement
# (offline/data/force_new.json) and that the program sets to a literal is a fixed name or address.
NAME_LIKE = re.compile(
    r"(^n|N)ame$|^bucket$|^address$|[iI]pAddress(es)?$|[pP]rivateIp$|[cC]idrBlock$"
    r"|[sS]tatementId$|[dD]omain(Name)?$|^endpoint$"
)

# Fixed values AWS does not hold exclusively, or that no replacement can keep: every other input
# forcing replacement is part of the same key. Reviewed one by one; a new entry needs a reason.
NOT_EXCLUSIVE = {
    ("aws:ec2/vpc:Vpc", "cidrBlock"): "VPCs in an account may share a CIDR",
    ("aws:ec2/vpcEndpoint:VpcEndpoint", "serviceName"): "several endpoints may serve one service",
    ("aws:route53/zone:Zone", "name"): "private zones may share a name",
    ("aws:ec2/route:Route", "destinationCidrBlock"): "keyed by table+destination, both force new",
    ("aws:apigateway/stage:Stage", "stageName"): "keyed by API+stage name, both force new",
    ("aws:apigateway/methodSettings:MethodSettings", "stageName"): "the key forces new, all of it",
    ("aws:kms/alias:Alias", "name"): "only the name forces new",
    ("aws:route53/resolverRule:ResolverRule", "domainName"): "only domain and type force new",
    ("aws:sns/topicSubscription:TopicSubscription", "endpoint"): "the key forces new, all of it",
}

# Addresses that do not force replacement themselves but stay when something else does: a
# Resolver endpoint keeps its pinned IPs while its security groups or direction replace it.
PINNED = {"aws:route53/resolverEndpoint:ResolverEndpoint": "ipAddresses"}


def fixed(resource) -> list[str]:
    """The inputs by which a registration holds a fixed name or address."""
    if not resource.custom or resource.type == PROVIDER_TYPE:
        return []
    held = []
    for path in replace_paths(resource.type):
        top = path.split(".")[0]
        value = resource.inputs.get(top)
        if not NAME_LIKE.search(path.split(".")[-1]) or value is None or _has_unknown(value):
            continue
        if (resource.type, path) not in NOT_EXCLUSIVE:
            held.append(path)
    pinned = PINNED.get(resource.type)
    if pinned and any(isinstance(a, dict) and a.get("ip") for a in resource.inputs.get(pinned, [])):
        held.append(f"{pinned}.ip")
    return held


@pytest.fixture(scope="module", params=["dev", "prod"])
def previewed(request, run_stack_file) -> RunResult:
    return run_stack_file(request.param, preview=True)


def test_every_resource_with_a_fixed_name_or_address_is_deleted_before_it_is_replaced(previewed):
    missing = [
        f"{r.type} {r.name} ({', '.join(fixed(r))})"
        for r in previewed.resources
        if fixed(r) and not r.delete_before_replace
    ]
    assert not missing, "fixed name or address without delete_before_replace:\n" + "\n".join(
        missing
    )


def test_the_search_finds_the_pinned_resolver_endpoints_log_groups_and_subnets(
    prod, run_stack_file
):
    found = {
        (r.type.split(":")[-1], r.name)
        for r in run_stack_file("prod", preview=True).resources
        if fixed(r)
    }
    assert {("ResolverEndpoint", "dns-inbound"), ("ResolverEndpoint", "dns-outbound")} <= found
    assert ("LogGroup", "items-function") in found
    assert ("Subnet", "hub-private-0") in found
    assert ("Function", "items-function") in found


def test_every_reviewed_exception_is_still_a_force_new_input():
    for type_, path in NOT_EXCLUSIVE:
        assert path in replace_paths(type_), (type_, path)

"""A RAM share is eventually consistent (terraform-provider-aws#11902): in the emulator a shared
resource becomes visible to the principal account `share_delay_seconds` (virtual) after the share
reaches it, on a clock of that resource in that account that only the wait for them moves, and
only for what depends on that wait. An association that does not wait for its own share is
refused with its API's not-found error, whatever other waits did; `SharedResourceVisible` waits
with the program's own poll loop; a wait past its bound fails naming the resource, account and
time."""

from __future__ import annotations

import pytest
from test_emulator_dns_vpn import ENDPOINTS, NETWORK, SHARE, VISIBLE

from offline.emulator import EmulatorRejected
from offline.emulator.ram import SHARE_CLOCK

ASSOCIATE = """
aws.route53.ResolverRuleAssociation("corp-spoke", resolver_rule_id=rule.id,
    vpc_id=spoke_vpc.id, opts=on(spoke, depends_on=[{after}]))
"""
VISIBLE_TYPE = "pulumi-python:dynamic/sharing:SharedResourceVisible"

# The hub's transit gateway in the same share as the rule, and the spoke account's wait for it.
GATEWAY = """
spoke_subnet = aws.ec2.Subnet("spoke-a", vpc_id=spoke_vpc.id, cidr_block="10.1.0.0/24",
                              availability_zone="eu-west-1a", opts=on(spoke))
tgw = aws.ec2transitgateway.TransitGateway("tgw", opts=on(hub))
tgw_shared = aws.ram.ResourceAssociation("rules-tgw", resource_share_arn=share.arn,
                                         resource_arn=tgw.arn, opts=on(hub))
tgw_visible = SharedResourceVisible("tgw-visible", resource_arn=tgw.arn,
    account_id="444455556666", region="eu-west-1", role_arn=None,
    opts=pulumi.ResourceOptions(depends_on=[principal, tgw_shared]))
"""
ATTACH = """
aws.ec2transitgateway.VpcAttachment("spoke-tgw", transit_gateway_id=tgw.id,
    vpc_id=spoke_vpc.id, subnet_ids=[spoke_subnet.id], opts=on(spoke, depends_on=[{after}]))
"""
# Registered only once the gateway's wait is (its gateway id is awaited after the wait's id), but
# not depending on it: the engine could as well have run it first.
ATTACH_UNLINKED = """
async def gateway_id_once_waited():
    await tgw_visible.id.future()
    return await tgw.id.future()

aws.ec2transitgateway.VpcAttachment("spoke-tgw", transit_gateway_id=gateway_id_once_waited(),
    vpc_id=spoke_vpc.id, subnet_ids=[spoke_subnet.id],
    opts=on(spoke, depends_on=[principal, tgw_shared]))
"""


def test_associations_that_wait_for_their_own_share_are_made_once_its_delay_has_passed(
    run_program, emulator
):
    emulator.share_delay_seconds = 30
    result = run_program(
        NETWORK
        + ENDPOINTS
        + SHARE
        + VISIBLE
        + GATEWAY
        + ATTACH.format(after="tgw_visible")
        + ASSOCIATE.format(after="visible")
    )
    assert result.named(VISIBLE_TYPE, "corp-visible").id.startswith("444455556666/arn:")
    rule = result.named("aws:route53/resolverRule:ResolverRule", "corp").outputs["arn"]
    tgw = result.named("aws:ec2transitgateway/transitGateway:TransitGateway", "tgw").outputs["arn"]
    # Polled at 0, 2, 6, 14 and 30 s (backoff 2, 4, 8, 16): visible at the fifth poll. A reading
    # gets there only through the emulator's sleep (a real sleep does not move it), and reaches
    # what depends on the wait, and nothing else.
    for wait, association, arn in [
        ("corp-visible", ("resolverRuleAssociation:ResolverRuleAssociation", "corp-spoke"), rule),
        ("tgw-visible", ("vpcAttachment:VpcAttachment", "spoke-tgw"), tgw),
    ]:
        readings = {(SHARE_CLOCK, arn, "444455556666"): 30.0}
        assert emulator.horizon(result.named(VISIBLE_TYPE, wait).urn) == readings
        type_ = "aws:route53/" if "resolver" in association[0] else "aws:ec2transitgateway/"
        associated = result.named(type_ + association[0], association[1])
        assert emulator.horizon(associated.urn) == readings


def test_an_association_right_after_the_principal_association_is_refused(run_program, emulator):
    with pytest.raises(
        EmulatorRejected,
        match=r"corp-spoke.*ResourceNotFoundException: \S+ is shared with account 444455556666 "
        r"but not visible there yet: RAM propagates a share in 10 s \(emulated\), 0 s have passed",
    ):
        run_program(NETWORK + ENDPOINTS + SHARE + ASSOCIATE.format(after="principal, shared"))


@pytest.mark.parametrize(
    ("association", "error"),
    [
        (ATTACH.format(after="principal, tgw_shared, visible"), "InvalidTransitGatewayID.NotFound"),
        (ASSOCIATE.format(after="principal, shared, tgw_visible"), "ResourceNotFoundException"),
        (ATTACH_UNLINKED, "InvalidTransitGatewayID.NotFound"),
    ],
    ids=["gateway-after-the-rules-wait", "rule-after-the-gateways-wait", "gateway-unlinked"],
)
def test_an_association_after_another_resources_wait_but_not_its_own_is_refused(
    run_program, association, error
):
    """The rule's and the gateway's waits each pass 10 s in the spoke account, but each only on
    its own resource's clock and only for what depends on it: an attachment (or association)
    that depends on the other resource's wait, or that runs after its own wait without depending
    on it, has seen none of its share's delay pass."""
    with pytest.raises(
        EmulatorRejected,
        match=rf"\(account 444455556666, eu-west-1\): {error}: \S+ is shared with account "
        r"444455556666 but not visible there yet: .* 0 s have passed on its clock",
    ):
        run_program(NETWORK + ENDPOINTS + SHARE + VISIBLE + GATEWAY + association)


def test_a_wait_past_its_bound_fails_naming_the_resource_the_account_and_the_time(
    run_program, emulator
):
    emulator.share_delay_seconds = 400  # more than the 300 s bound
    with pytest.raises(
        EmulatorRejected,
        match=r"corp-visible' \(account 444455556666, eu-west-1\): arn:aws:route53resolver:"
        r"eu-west-1:111122223333:resolver-rule/\S+ is not visible in account 444455556666 "
        r"\(eu-west-1\) after 300 s and 19 polls \(bound 300 s\): the RAM share has not reached",
    ):
        run_program(NETWORK + ENDPOINTS + SHARE + VISIBLE + ASSOCIATE.format(after="visible"))

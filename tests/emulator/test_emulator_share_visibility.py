"""A RAM share is eventually consistent (terraform-provider-aws#11902): in the emulator a shared
resource becomes visible to the principal account `share_delay_seconds` (virtual) after the share
reaches it; an association that does not wait is refused, `SharedResourceVisible` waits with the
program's own poll loop, and a wait past its bound fails naming the resource, account and time."""

from __future__ import annotations

import pytest
from test_emulator_dns_vpn import ENDPOINTS, NETWORK, SHARE, VISIBLE

from offline.emulator import EmulatorRejected

ASSOCIATE = """
aws.route53.ResolverRuleAssociation("corp-spoke", resolver_rule_id=rule.id,
    vpc_id=spoke_vpc.id, opts=on(spoke, depends_on=[{after}]))
"""
VISIBLE_TYPE = "pulumi-python:dynamic/sharing:SharedResourceVisible"


def test_an_association_that_waits_for_the_share_is_made_once_the_delay_has_passed(
    run_program, emulator
):
    emulator.share_delay_seconds = 30
    result = run_program(NETWORK + ENDPOINTS + SHARE + VISIBLE + ASSOCIATE.format(after="visible"))
    assert result.named(VISIBLE_TYPE, "corp-visible").id.startswith("444455556666/arn:")
    # Polled at 0, 2, 6, 14 and 30 s (backoff 2, 4, 8, 16): visible at the fifth poll.
    assert emulator.clock == 30


def test_an_association_right_after_the_principal_association_is_refused(run_program, emulator):
    with pytest.raises(
        EmulatorRejected,
        match=r"corp-spoke.*is shared with account 444455556666 but not visible there yet: RAM "
        r"propagates a share in 10 s \(emulated\), 0 s have passed",
    ):
        run_program(NETWORK + ENDPOINTS + SHARE + ASSOCIATE.format(after="principal, shared"))


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

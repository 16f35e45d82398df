"""The SDK registers resources from a thread pool: prod deployed repeatedly at maximum parallelism.

moto's state is one per process. A run that is rejected returns while registrations are still
in flight or queued on the SDK's threads; before the emulator held one lock for start, stop and
every call, those ran after `stop()`: against unpatched botocore, or inside the next emulator's
state, concurrently with its registrations and under credentials that state does not know (moto
maps an unknown access key to its default account). And prod deployed repeatedly with 64
registration threads (the SDK's default pool has min(32, cores + 4)) puts every resource in its
provider's account and region, and nothing anywhere else.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import pytest
from pulumi.runtime.mocks import MockResourceArgs

from offline.emulator import RESOURCES, EmulatorMocks, EmulatorRejected
from offline.emulator.registry import Ctx, Inputs
from offline.runner import RunResult, run

WORKERS = 64
ROUNDS = 2
VPC = "aws:ec2/vpc:Vpc"
# EC2 resources looked up by id in the account and region of their provider.
DESCRIBE = {
    VPC: ("describe_vpcs", "VpcIds"),
    "aws:ec2/subnet:Subnet": ("describe_subnets", "SubnetIds"),
    "aws:ec2/routeTable:RouteTable": ("describe_route_tables", "RouteTableIds"),
    "aws:ec2/securityGroup:SecurityGroup": ("describe_security_groups", "GroupIds"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": ("describe_vpc_endpoints", "VpcEndpointIds"),
}
ACCOUNTS = ("111122223333", "444455556666", "777788889999", "123456789012")
REGIONS = ("eu-west-1", "eu-central-1")


@contextmanager
def registration_threads(workers: int) -> Iterator[None]:
    """The program's event loop with `workers` threads for the SDK's registrations."""
    previous = asyncio.get_event_loop()
    loop = asyncio.new_event_loop()
    executor = ThreadPoolExecutor(max_workers=workers)
    loop.set_default_executor(executor)
    asyncio.set_event_loop(loop)
    try:
        yield
    finally:
        asyncio.set_event_loop(previous)
        executor.shutdown(wait=True)
        loop.close()


def test_stop_waits_for_a_registration_in_flight_and_refuses_the_queued_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A run that is rejected still has registrations on the SDK's threads: one inside a mapping
    when the test stops the emulator, others queued. None may touch moto once it is stopped (moto
    is no longer patched, or already the next emulator's state)."""
    vpc = RESOURCES[VPC]
    seen_stopped: list[str] = []
    inside = threading.Event()

    def slow_vpc(ctx: Ctx, name: str, inputs: Inputs):
        inside.set()
        time.sleep(0.3)
        if not ctx.emulator.running:
            seen_stopped.append(name)
            raise EmulatorRejected("the emulator stopped under this call")
        return vpc(ctx, name, inputs)

    monkeypatch.setitem(RESOURCES, VPC, slow_vpc)
    emu = EmulatorMocks().start()
    results: dict[str, object] = {}

    def register(name: str) -> None:
        args = MockResourceArgs(
            typ=VPC, name=name, inputs={"cidrBlock": "10.0.0.0/16"}, custom=True
        )
        try:
            results[name] = emu.new_resource(args)
        except (EmulatorRejected, RuntimeError) as e:
            results[name] = e

    first = threading.Thread(target=register, args=("in-flight",))
    first.start()
    assert inside.wait(5)
    queued = threading.Thread(target=register, args=("queued",))
    queued.start()
    emu.stop()
    first.join(5)
    queued.join(5)
    assert seen_stopped == []
    assert isinstance(results["in-flight"], tuple)  # finished before the emulator stopped
    # The queued one either got the lock before stop() and finished, or is refused after it.
    assert isinstance(results["queued"], tuple | RuntimeError), results["queued"]


def _misplaced(result: RunResult, emu: EmulatorMocks) -> list[str]:
    """Resources not in their provider's account and region, and VPCs nobody registered."""
    problems = []
    registered = {(r.type, r.name): r for r in result.resources if r.custom}
    for created in emu.created:
        reg = registered[(created.type, created.name)]
        where = (result.account_of(reg), result.region_of(reg))
        label = f"{created.type} '{created.name}'"
        if (created.account_id, created.region) != where:
            problems.append(f"{label} created in {created.account_id} {created.region}")
        arn = created.outputs.get("arn")
        if isinstance(arn, str) and arn.count(":") >= 5:
            _, _, _, region, account, _ = arn.split(":", 5)
            if (account and account != where[0]) or (region and region != where[1]):
                problems.append(f"{label} has the ARN {arn}, its provider is {where}")
        if created.type in DESCRIBE:
            call, ids = DESCRIBE[created.type]
            ec2 = emu.context_for_account(*where).client("ec2")
            getattr(ec2, call)(**{ids: [created.id]})  # raises if it is not there
    ours = {c.id for c in emu.created if c.type == VPC}
    for account in ACCOUNTS:
        for region in REGIONS:
            ec2 = emu.context_for_account(account, region).client("ec2")
            for found in ec2.describe_vpcs()["Vpcs"]:
                if not found["IsDefault"] and found["VpcId"] not in ours:
                    problems.append(f"VPC {found['VpcId']} in {account} {region}: not registered")
    return problems


def test_prod_deployed_repeatedly_at_maximum_parallelism_stays_in_its_accounts() -> None:
    with registration_threads(WORKERS):
        for round_ in range(ROUNDS):
            with EmulatorMocks() as emu:
                result = run("prod", mocks=emu)
                assert _misplaced(result, emu) == [], f"round {round_}"
            assert len(emu.created) > 150  # the whole of prod was checked

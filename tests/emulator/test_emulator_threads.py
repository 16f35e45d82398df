"""The SDK registers resources from a thread pool: prod deployed repeatedly at maximum parallelism.

moto's state is one per process. A run that is rejected returns while registrations are still
in flight or queued on the SDK's threads (the SDK raises at the first failed registration it
awaits, newest first; the others go on). Before the emulator held one lock for start, stop and
every call, those ran after `stop()`: against unpatched botocore, or inside the next emulator's
state, concurrently with its registrations and under credentials that state does not know (moto
maps an unknown access key to its default account). The stress test rejects prod part-way,
deploys it again at once in a fresh emulator while the rejected run's threads drain, and checks
both: each late registration is refused as "not running", and every resource of the fresh run
is in its provider's account and region, and nothing anywhere else. 64 registration threads:
the SDK's default pool has min(32, cores + 4). The guards themselves are tested without timing:
threads ordered by events and by a lock that reports a waiter (stop waits for the call in flight;
a call queued on the lock checks under it that the emulator runs), and the clients' lifetime.
"""

from __future__ import annotations

import asyncio
import gc
import json
import threading
import weakref
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs

from offline.emulator import RESOURCES, EmulatorMocks, EmulatorRejected
from offline.emulator.registry import INVOKES, Ctx, Inputs
from offline.mocks import PROVIDER_TYPE
from offline.runner import RunResult, run

WORKERS = 64
ROUNDS = 1
VPC = "aws:ec2/vpc:Vpc"
CALLER = "aws:index/getCallerIdentity:getCallerIdentity"
# Where the first run of each round is refused: the API's upload bucket, whose dependents are
# among the last registered, so the run returns while the network's are still in flight.
REJECTED = "aws:s3/bucket:Bucket"
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
def registration_threads(workers: int, wait: bool = True) -> Iterator[ThreadPoolExecutor]:
    """The program's event loop with `workers` threads for the SDK's registrations. With
    `wait=False` the threads go on with what is queued on them after the block (the caller
    shuts them down)."""
    previous = asyncio.get_event_loop()
    loop = asyncio.new_event_loop()
    executor = ThreadPoolExecutor(max_workers=workers)
    loop.set_default_executor(executor)
    asyncio.set_event_loop(loop)
    try:
        yield executor
    finally:
        asyncio.set_event_loop(previous)
        executor.shutdown(wait=wait)
        if wait:
            loop.close()


class WatchedLock:
    """The emulator's lock, telling when another thread has to wait for it: the tests order
    threads by events, not by sleeping."""

    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self.waiting = threading.Event()

    def __enter__(self) -> WatchedLock:
        if not self._lock.acquire(blocking=False):
            self.waiting.set()
            self._lock.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


def _watched(emu: EmulatorMocks) -> WatchedLock:
    lock = WatchedLock(EmulatorMocks._moto_lock)
    emu._lock = lock  # type: ignore[assignment]
    return lock


def _vpc_args(name: str) -> MockResourceArgs:
    return MockResourceArgs(typ=VPC, name=name, inputs={"cidrBlock": "10.0.0.0/16"}, custom=True)


def _in_thread(call, results: dict[str, object], key: str) -> threading.Thread:
    def target() -> None:
        try:
            results[key] = call()
        except (EmulatorRejected, RuntimeError) as e:
            results[key] = e

    thread = threading.Thread(target=target)
    thread.start()
    return thread


def test_stop_waits_for_the_registration_inside_a_mapping(monkeypatch: pytest.MonkeyPatch):
    """A rejected run still has a registration inside a mapping: `stop()` waits for it (the
    lock), so it never finds moto stopped under it."""
    inside, finish = threading.Event(), threading.Event()
    running_inside: list[bool] = []

    def vpc(ctx: Ctx, name: str, inputs: Inputs):
        inside.set()
        assert finish.wait(10)
        running_inside.append(ctx.emulator.running)
        return "vpc-in-flight", {}

    monkeypatch.setitem(RESOURCES, VPC, vpc)
    emu = EmulatorMocks().start()
    lock = _watched(emu)
    results: dict[str, object] = {}
    registration = _in_thread(lambda: emu.new_resource(_vpc_args("in-flight")), results, "vpc")
    assert inside.wait(10)
    stopper = _in_thread(emu.stop, results, "stop")
    assert lock.waiting.wait(10)  # stop() waits for the lock the mapping holds
    assert emu.running
    finish.set()
    registration.join(10)
    stopper.join(10)
    assert running_inside == [True]
    assert results["vpc"] == ("vpc-in-flight", {"cidrBlock": "10.0.0.0/16"})
    assert not emu.running


@pytest.mark.parametrize(
    "entry",
    [
        lambda emu: emu.new_resource(_vpc_args("queued")),
        lambda emu: emu.call(MockCallArgs(CALLER, {}, "")),
    ],
    ids=["registration", "invoke"],
)
def test_a_call_waiting_for_the_lock_while_the_emulator_stops_is_refused(
    monkeypatch: pytest.MonkeyPatch, entry
):
    """A registration (or invoke) queued on the lock while the emulator stops: it checks that
    the emulator runs once it holds the lock, so it is refused and never reaches moto (checked
    before the lock, it would pass the check, wait, and then run in the next emulator's moto)."""
    reached: list[str] = []
    monkeypatch.setitem(
        RESOURCES, VPC, lambda ctx, name, inputs: (reached.append(name), ("v", {}))[1]
    )
    monkeypatch.setitem(INVOKES, CALLER, lambda ctx, args: (reached.append("invoke"), {})[1])
    emu = EmulatorMocks().start()
    lock = _watched(emu)
    results: dict[str, object] = {}
    with EmulatorMocks._moto_lock:  # a call in flight holds the lock
        queued = _in_thread(lambda: entry(emu), results, "queued")
        assert lock.waiting.wait(10)
        emu.stop()  # as the rejected run's `with` block does once the call in flight ends
    queued.join(10)
    assert reached == []
    assert isinstance(results["queued"], RuntimeError)
    assert "the emulator is not running" in str(results["queued"])


def _provider_args(name: str, account: str, allowed: str) -> MockResourceArgs:
    role = {"roleArn": f"arn:aws:iam::{account}:role/hubspoke-deploy", "sessionName": "test"}
    inputs = {
        "region": "eu-west-1",
        "allowedAccountIds": json.dumps([allowed]),
        "assumeRoles": json.dumps([role]),
    }
    return MockResourceArgs(typ=PROVIDER_TYPE, name=name, inputs=inputs, custom=True)


def test_clients_live_on_their_session_and_a_rejected_providers_session_is_let_go(
    monkeypatch: pytest.MonkeyPatch,
):
    """Each provider's clients are its own (its account's credentials), and the emulator keeps
    no client table that outlives a session: a rejected provider's session is freed (a table
    keyed by the session kept it; one keyed by `id(session)` would hand its clients to a later
    session that reuses the id)."""
    made: list[weakref.ref] = []
    session = EmulatorMocks._session

    def recorded(self, *args, **kwargs):
        made.append(weakref.ref(new := session(self, *args, **kwargs)))
        return new

    monkeypatch.setattr(EmulatorMocks, "_session", recorded)
    with EmulatorMocks() as emu:
        hub_id, _ = emu.new_resource(_provider_args("hub", "111122223333", "111122223333"))
        spoke_id, _ = emu.new_resource(_provider_args("spoke", "444455556666", "444455556666"))
        hub, spoke = emu.context(f"urn::{hub_id}"), emu.context(f"urn::{spoke_id}")
        assert hub.client("sts") is hub.client("sts")
        assert hub.client("sts") is not spoke.client("sts")
        assert hub.client("sts").get_caller_identity()["Account"] == "111122223333"
        assert spoke.client("sts").get_caller_identity()["Account"] == "444455556666"
        made.clear()
        try:
            emu.new_resource(_provider_args("wrong", "444455556666", "777788889999"))
        except EmulatorRejected as e:
            assert "not in allowedAccountIds" in str(e)
        else:
            pytest.fail("a provider whose role is outside allowedAccountIds was accepted")
        gc.collect()
        assert len(made) == 2  # its ambient and its assumed-role session
        assert [ref() for ref in made] == [None, None]


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


def _rejected_at(monkeypatch: pytest.MonkeyPatch, type_: str) -> None:
    """The first registration of `type_` is refused: the run is rejected part-way."""
    mapping = RESOURCES[type_]
    refused: list[str] = []

    def refuse_once(ctx: Ctx, name: str, inputs: Inputs):
        if not refused:
            refused.append(name)
            raise EmulatorRejected("refused by the test: the run stops here")
        return mapping(ctx, name, inputs)

    monkeypatch.setitem(RESOURCES, type_, refuse_once)


@dataclass
class Late:
    """The registrations of one emulator: how many are in flight, and what each of those that
    ended after its `stop()` came to."""

    stopped: threading.Event = field(default_factory=threading.Event)
    in_flight: int = 0
    ended: list[str] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def watch(self, emu: EmulatorMocks) -> None:
        new_resource = emu.new_resource

        def recorded(args: MockResourceArgs):
            with self._lock:
                self.in_flight += 1
            outcome = "created"
            try:
                return new_resource(args)
            except Exception as e:
                outcome = f"{type(e).__name__}: {e}"
                raise
            finally:
                with self._lock:
                    self.in_flight -= 1
                    if self.stopped.is_set():
                        self.ended.append(f"{args.typ} '{args.name}': {outcome}")

        emu.new_resource = recorded  # type: ignore[method-assign]


def _rejected_run(monkeypatch: pytest.MonkeyPatch) -> tuple[ThreadPoolExecutor, Late]:
    """prod rejected part-way and its emulator stopped, with registrations still in flight on
    the returned threads (tried up to three times: how many are left depends on timing)."""
    for _ in range(3):
        late = Late()
        with registration_threads(WORKERS, wait=False) as leftover, monkeypatch.context() as patch:
            _rejected_at(patch, REJECTED)
            with EmulatorMocks() as rejected:
                late.watch(rejected)
                with pytest.raises(EmulatorRejected, match="refused by the test"):
                    run("prod", mocks=rejected)
                left = late.in_flight
            late.stopped.set()
        if left:
            return leftover, late
        leftover.shutdown(wait=True)
    pytest.fail("three rejected runs returned with no registration in flight")


def test_prod_deployed_repeatedly_at_maximum_parallelism_stays_in_its_accounts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each round: prod rejected part-way, which returns with registrations still on the SDK's
    threads; at once a fresh emulator deploys prod while those threads drain. The rejected run's
    late registrations are refused as "not running" (before the process-wide lock they ran in
    the fresh emulator's moto state), and the fresh run's resources are all where they belong."""
    for round_ in range(ROUNDS):
        leftover, late = _rejected_run(monkeypatch)
        try:
            with registration_threads(WORKERS), EmulatorMocks() as emu:
                result = run("prod", mocks=emu)
                leftover.shutdown(wait=True)  # the rejected run's registrations have all ended
                assert _misplaced(result, emu) == [], f"round {round_}"
        finally:
            leftover.shutdown(wait=True)
        assert len(emu.created) > 150  # the whole of prod was checked
        ran = [e for e in late.ended if "the emulator is not running" not in e]
        assert ran == [], f"round {round_}: registrations of a stopped emulator reached moto"

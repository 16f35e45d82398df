"""How the program's run time under mocks grows with the number of spokes.

For 10, 25, 50 and 100 spokes it runs the real `__main__.py` under the offline mocks and, in the
same process and interleaved with it, two baselines that cancel machine load:

- bare (bench/baseline_program.py): as many registrations of a one-property resource, the SDK's
  floor per registration;
- replay (bench/replay_program.py): the program's own registrations again, the same pulumi_aws
  classes and inputs, but flat and with plain values (no components' tree, options, Outputs
  between resources, config or plan): the floor of the resources this program registers.

It prints program / bare, program / replay (what our code adds to its registrations: the goal is
at most 1.5), resources per spoke and time per resource. Growth is linear when both ratios stay
flat from the first size to the last (within 1.25x). Times are the process's CPU time
(`time.process_time`), the median of `--repeat` runs per size: other processes on a shared
machine do not count.

It measures twice: with Python's cyclic garbage collector on (as `pulumi up` runs) and off. Full
collections scan the whole heap, so their share grows with the number of live objects; with the
collector off, what is left is the program's own work, and that is what must grow linearly.

    python bench/bench_program.py [--repeat 3] [--mode peering|transit-gateway]

`--mode transit-gateway` runs the same comparison in transit gateway mode at 5, 10, 50, 100 and
300 spokes (three segments, one reaching another and on-prem, each carved from its own supernet
so that every segment is one route). The exit status is non-zero when growth is super-linear or
program / replay exceeds 1.5 (collector off).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import ipaddress
import json
import statistics
import sys
import tempfile
import time
from functools import cache
from pathlib import Path
from typing import Any

import pulumi_aws  # noqa: F401  (registers its resource modules, which aws_class reads)
from pulumi.runtime.rpc import get_resource_module

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from components.model import QUOTAS  # noqa: E402
from offline.mocks import PROVIDER_TYPE  # noqa: E402
from offline.runner import run  # noqa: E402

SPOKE_COUNTS = {"peering": (10, 25, 50, 100), "transit-gateway": (5, 10, 50, 100, 300)}
SEGMENTS = ("apps", "data", "tools")
GOAL = 1.5  # program / replay, at most (issue 11)
BASELINE = ROOT / "bench" / "baseline_program.py"
REPLAY = ROOT / "bench" / "replay_program.py"


def config_with(spokes: int, mode: str = "peering") -> dict:
    """A one-account stack with `spokes` /20 spokes; in transit gateway mode round-robin over
    three segments (apps reaches data and on-prem) with a VPN to on-prem, each segment's spokes
    carved from its own /12 supernet (`segments.<name>.cidr`), so every segment is one route."""
    pool = ipaddress.IPv4Network("10.64.0.0/10").subnets(new_prefix=20)
    cfg = {
        "aws:region": "eu-west-1",
        "hubspoke:environment": "dev",
        "hubspoke:accounts": {"bench": {"id": "111122223333"}},
        "hubspoke:hub": {"account": "bench", "cidr": "10.0.0.0/16", "azCount": 2},
        "hubspoke:spokes": [
            {"name": f"s{i}", "account": "bench", "cidr": str(next(pool))} for i in range(spokes)
        ],
        # One account holds every VPC, so the bench declares the raises such an estate would ask
        # for (components/validation/quotas.py refuses the plan otherwise): the hub and the
        # spokes plus the default VPC, and two gateway endpoints (S3, DynamoDB) in each; a quota
        # may only be declared at or above AWS's default.
        "hubspoke:quotas": {
            "vpcsPerRegion": max(QUOTAS["vpcsPerRegion"].default, spokes + 2),
            "gatewayEndpointsPerRegion": max(
                QUOTAS["gatewayEndpointsPerRegion"].default, 2 * (spokes + 1)
            ),
        },
    }
    if mode == "peering":
        cfg["hubspoke:quotas"]["peeringsPerVpc"] = 125  # the peering sizes go to 100
    else:
        blocks = list(ipaddress.IPv4Network("10.64.0.0/10").subnets(2))  # four /12s
        supernets = dict(zip(SEGMENTS, blocks[: len(SEGMENTS)], strict=True))
        pools = {name: net.subnets(new_prefix=20) for name, net in supernets.items()}
        for i, spoke in enumerate(cfg["hubspoke:spokes"]):
            spoke["segment"] = SEGMENTS[i % len(SEGMENTS)]
            spoke["cidr"] = str(next(pools[spoke["segment"]]))
        reach = {"apps": ["data", "onPrem"], "data": [], "tools": []}
        cfg["hubspoke:transitGateway"] = {
            "amazonSideAsn": 64600,
            "segments": {
                name: {"reach": reach[name], "cidr": str(supernets[name])} for name in SEGMENTS
            },
        }
        cfg["hubspoke:onPrem"] = {
            "cidrs": ["192.168.0.0/16"],
            "dnsServers": ["192.168.10.10", "192.168.10.11"],
            "domains": ["corp.example.com"],
            "vpn": {"customerGatewayIp": "203.0.113.10", "bgpAsn": 65010},
        }
    return cfg


def timed(fn) -> tuple[float, object]:
    """The process's CPU time for `fn` (not wall time: other processes on a shared machine do not
    count), so each size's figure is the median of `--repeat` CPU times."""
    start = time.process_time()
    result = fn()
    return time.process_time() - start, result


@cache
def aws_class(type_: str) -> tuple[str, str] | None:
    """The module and class of a pulumi_aws type token, from the resource modules pulumi_aws
    registers with the SDK on import (`_utilities.register`), the map the engine uses to build a
    resource from its type; None for a type that is not pulumi_aws's."""
    if type_ == PROVIDER_TYPE:
        return "pulumi_aws", "Provider"
    package, token, _ = type_.split(":", 2)
    module = get_resource_module(package, token, "")  # token: "ec2/vpc"; "": any version
    cls = module.mod_info["classes"].get(type_) if module is not None else None
    return (module.mod_info["fqn"], cls) if cls is not None else None


@cache
def argument_names(module: str, cls: str) -> dict[str, str]:
    """Each input's wire name to the class's keyword (`@pulumi.getter(name=...)` on its Args
    class), e.g. cidrBlock -> cidr_block. The Args class is the one the resource's own module
    exports (`__all__`): where a nested input type has the name `<Class>Args` (as
    `pulumi_aws.s3.BucketVersioningArgs`, Bucket's `versioning`), the resource's is `InitArgs`."""
    resource = getattr(importlib.import_module(module), cls)
    own = importlib.import_module(resource.__module__)
    (args_name,) = (n for n in own.__all__ if n in (f"{cls}Args", f"{cls}InitArgs"))
    return {
        getattr(value.fget, "_pulumi_name", attr): attr
        for attr, value in vars(getattr(own, args_name)).items()
        if isinstance(value, property)
    }


def _decoded(value: Any) -> Any:
    """A provider's inputs reach the engine JSON-encoded (the SDK encodes every non-string
    provider input); the class encodes them again, so they are replayed decoded."""
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return value


def replay_records(result) -> list[list]:
    """What replay_program.py registers again, resolved here so that the replay spends no time
    on it: [kind, module, class (or type), name, keyword arguments, the arguments that are
    assets or archives] per registration."""
    records = []
    for r in result.resources:
        if not r.custom:
            records.append(["component", "", r.type, r.name, {}, []])
        elif (found := aws_class(r.type)) is not None:
            module, cls = found
            names = argument_names(module, cls)
            arguments = {names[k]: v for k, v in r.inputs.items() if k in names}
            if r.type == PROVIDER_TYPE:
                arguments = {k: _decoded(v) for k, v in arguments.items()}
            records.append(["aws", module, cls, r.name, arguments, _assets(arguments)])
        else:
            records.append(["generic", "", r.type, r.name, r.inputs, _assets(r.inputs)])
    return records


def _assets(arguments: dict[str, Any]) -> list[str]:
    """The arguments recorded as an asset or archive (offline/mocks.py `_comparable`)."""
    kinds = {"assetArchive", "FileAsset", "FileArchive", "StringAsset"}
    return [
        k for k, v in arguments.items() if isinstance(v, dict) and len(v) == 1 and set(v) <= kinds
    ]


def measure(spokes: int, repeat: int, mode: str = "peering") -> dict:
    """One size: the program, the bare baseline (as many one-property resources) and the replay
    baseline (the program's own registrations, flat), interleaved, `repeat` times each."""
    cfg = config_with(spokes, mode)
    times: dict[str, list[float]] = {"program": [], "bare": [], "replay": []}
    count = 0
    with tempfile.TemporaryDirectory() as tmp:
        records = Path(tmp) / "registrations.json"
        for i in range(repeat):
            seconds, result = timed(lambda: run("bench", config=cfg))
            times["program"].append(seconds)
            count = len(result.resources)
            if i == 0:
                records.write_text(json.dumps(replay_records(result)))
            bare = {"aws:region": "eu-west-1", "hubspoke:benchCount": count}
            times["bare"].append(timed(lambda c=bare: run("bench", config=c, program=BASELINE))[0])
            replay = {"aws:region": "eu-west-1", "hubspoke:benchReplay": str(records)}
            times["replay"].append(
                timed(lambda c=replay: run("bench", config=c, program=REPLAY))[0]
            )
    program, bare, replay = (statistics.median(times[k]) for k in ("program", "bare", "replay"))
    return {
        "spokes": spokes,
        "resources": count,
        "program_s": program,
        "baseline_s": bare,
        "replay_s": replay,
        "ratio": program / bare,
        "replay_ratio": program / replay,
        "ms_per_resource": 1000 * program / count,
    }


def table(rows: list[dict], title: str) -> list[str]:
    lines = [title, f"{'spokes':>6} {'resources':>9} {'program s':>9} {'bare s':>7} "
             f"{'replay s':>8} {'/bare':>6} {'/replay':>7} {'ms/res':>7}"]  # fmt: skip
    for r in rows:
        lines.append(
            f"{r['spokes']:>6} {r['resources']:>9} {r['program_s']:>9.3f} {r['baseline_s']:>7.3f} "
            f"{r['replay_s']:>8.3f} {r['ratio']:>6.2f} {r['replay_ratio']:>7.2f} "
            f"{r['ms_per_resource']:>7.3f}"
        )
    first, last = rows[0], rows[-1]
    growth = last["ms_per_resource"] / first["ms_per_resource"]
    lines.append(
        f"time per resource, {last['spokes']} / {first['spokes']} spokes: {growth:.2f}x; "
        f"program / bare: {first['ratio']:.2f} -> {last['ratio']:.2f}; "
        f"program / replay: {first['replay_ratio']:.2f} -> {last['replay_ratio']:.2f}"
    )
    return lines


VARIANTS = ("tags", "parent", "dependsOn", "deep")


def explain(count: int, repeat: int) -> list[str]:
    """What one feature of a real resource costs over a bare registration: each baseline variant
    (bench/baseline_program.py) against the bare one, `count` resources, median CPU time."""

    def seconds(variant: str) -> float:
        config = {"aws:region": "eu-west-1", "hubspoke:benchCount": count}
        config["hubspoke:benchVariant"] = variant
        return statistics.median(
            timed(lambda: run("bench", config=config, program=BASELINE))[0] for _ in range(repeat)
        )

    bare = seconds("bare")
    lines = [f"{count} resources, bare registration {bare:.3f} s CPU; each feature alone:"]
    lines += [f"  {v:<10} x{seconds(v) / bare:.2f}" for v in VARIANTS]
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per size (median is kept)")
    parser.add_argument("--mode", choices=sorted(SPOKE_COUNTS), default="peering")
    parser.add_argument(
        "--explain", action="store_true", help="price tags, parent, dependsOn, stack depth alone"
    )
    args = parser.parse_args()
    if args.explain:
        gc.disable()
        print("\n".join(explain(1500, args.repeat)))
        return 0
    sizes = SPOKE_COUNTS[args.mode]
    run("bench", config=config_with(3, args.mode))  # warm imports: the first size is not penalised
    with_gc = [measure(n, args.repeat, args.mode) for n in sizes]
    gc.collect()
    gc.disable()
    try:
        without_gc = [measure(n, args.repeat, args.mode) for n in sizes]
    finally:
        gc.enable()
    print("\n".join(table(with_gc, "garbage collector on (as pulumi up runs):")))
    print()
    print("\n".join(table(without_gc, "garbage collector off (the program's own work):")))
    first, last = without_gc[0], without_gc[-1]
    per_spoke = (last["resources"] - first["resources"]) / (last["spokes"] - first["spokes"])
    print(f"\nresources per spoke: {per_spoke:.1f}")
    span = f"{first['spokes']} to {last['spokes']} spokes"
    linear = True
    for key, label in (("ratio", "program / bare"), ("replay_ratio", "program / replay")):
        growth = last[key] / first[key]
        linear &= growth < 1.25
        verdict = "linear" if growth < 1.25 else "SUPERLINEAR"
        print(f"growth of {label}: {verdict} (x{growth:.2f} from {span}, limit x1.25, gc off)")
    worst_bare = max(r["ratio"] for r in without_gc)
    worst = max(r["replay_ratio"] for r in without_gc)
    print(f"program / bare at most {worst_bare:.2f} (the SDK's price of typed resources included)")
    print(f"program / replay at most {worst:.2f} (goal 1.5, gc off)")
    return 0 if linear and worst <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())

"""The program benchmark still runs (bench/bench_program.py; the benchmark itself is not part of
the suite): one measurement of 3 spokes in transit gateway mode, program and baseline."""

from __future__ import annotations

import importlib.util
import json

import pytest
from stack_variants import hubspoke_keys

from components.config import parse
from offline.runner import ROOT, run


def _bench():
    spec = importlib.util.spec_from_file_location(
        "bench_program", ROOT / "bench" / "bench_program.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


def test_the_transit_gateway_bench_measures_3_spokes_against_its_baselines():
    bench = _bench()
    row = bench.measure(3, 1, "transit-gateway")
    assert row["spokes"] == 3 and row["resources"] > 3 * 20
    assert row["program_s"] > 0 and row["baseline_s"] > 0 and row["replay_s"] > 0
    assert row["ratio"] == row["program_s"] / row["baseline_s"]
    assert row["replay_ratio"] == row["program_s"] / row["replay_s"]
    assert bench.table([row, row], "t")[-1].startswith("time per resource, 3 / 3 spokes: 1.00x")


@pytest.mark.parametrize("stack", ["bench", "prod"])
def test_the_replay_baseline_registers_what_the_program_registers(stack, tmp_path, run_stack_file):
    """The replay is only a fair floor if it makes the same registrations: every resource's type,
    name and inputs as the engine receives them, the providers' included. Prod has what the bench
    stack lacks: several accounts' providers and the dynamic visibility waits."""
    bench = _bench()
    if stack == "bench":
        program = run("bench", config=bench.config_with(3, "transit-gateway"))
    else:
        program = run_stack_file(stack)
    recorded = bench.replay_records(program)
    # Every AWS resource and provider is replayed through its own pulumi_aws class (the typed
    # outputs are part of the floor); only the dynamic waits are generic resources.
    generic = {type_ for kind, _, type_, *_ in recorded if kind == "generic"}
    assert all(t.startswith("pulumi-python:dynamic") for t in generic), generic
    records = tmp_path / "registrations.json"
    records.write_text(json.dumps(recorded))
    config = {"aws:region": "eu-west-1", "hubspoke:benchReplay": str(records)}
    replay = run(program.stack, config=config, program=bench.REPLAY)
    kinds = {r.type.split(":")[0] for r in program.resources}
    assert {"aws", "pulumi", "hubspoke"} <= kinds
    assert stack == "bench" or "pulumi-python" in kinds

    def registered(result):
        return {(r.type, r.name): (r.custom, r.inputs) for r in result.resources}

    assert registered(replay) == registered(program)
    assert not any("::hubspoke::hubspoke:" in r.parent for r in replay.resources)  # flat


@pytest.mark.parametrize("mode", ["peering", "transit-gateway"])
def test_every_size_the_bench_measures_is_a_valid_stack(mode):
    """The sizes are only run by the bench itself: a config rule added later (the quotas) must
    not make its larger sizes fail where the suite's 3-spoke run still passes."""
    bench = _bench()
    for spokes in bench.SPOKE_COUNTS[mode]:
        raw = bench.config_with(spokes, mode)
        region = raw.pop("aws:region")
        cfg = parse(hubspoke_keys(raw), stack="bench", region=region)
        assert len(cfg.spokes) == spokes

"""The program benchmark still runs (bench/bench_program.py; the benchmark itself is not part of
the suite): one measurement of 3 spokes in transit gateway mode, program and baseline."""

from __future__ import annotations

import importlib.util

import pytest

from components.config import parse
from offline.runner import ROOT


def test_the_transit_gateway_bench_measures_3_spokes_against_its_baseline():
    spec = importlib.util.spec_from_file_location(
        "bench_program", ROOT / "bench" / "bench_program.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    row = bench.measure(3, 1, "transit-gateway")
    assert row["spokes"] == 3 and row["resources"] > 3 * 20
    assert row["program_s"] > 0 and row["baseline_s"] > 0 and row["ratio"] > 0
    assert bench.table([row, row], "t")[-1].startswith("time per resource, 3 / 3 spokes: 1.00x")


def _bench():
    spec = importlib.util.spec_from_file_location(
        "bench_program", ROOT / "bench" / "bench_program.py"
    )
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


@pytest.mark.parametrize("mode", ["peering", "transit-gateway"])
def test_every_size_the_bench_measures_is_a_valid_stack(mode):
    """The sizes are only run by the bench itself: a config rule added later (the quotas) must
    not make its larger sizes fail where the suite's 3-spoke run still passes."""
    bench = _bench()
    for spokes in bench.SPOKE_COUNTS[mode]:
        raw = bench.config_with(spokes, mode)
        region = raw.pop("aws:region")
        cfg = parse({k.removeprefix("hubspoke:"): v for k, v in raw.items()}, stack="bench",
                    region=region)  # fmt: skip
        assert len(cfg.spokes) == spokes

"""Baseline for bench_program.py: registers `hubspoke:bench.count` bare resources, nothing else."""

import pulumi


class Bare(pulumi.CustomResource):
    def __init__(self, name: str):
        super().__init__("bench:index:Bare", name, {"value": name})


for i in range(pulumi.Config("hubspoke").require_int("benchCount")):
    Bare(f"bare-{i}")

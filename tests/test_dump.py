"""The registration dump that refactors use to prove they change nothing on a real stack."""

from __future__ import annotations

import textwrap
from pathlib import Path

from offline.dump import compare, dump_text, records
from offline.runner import run

PROGRAM = """
import pulumi
import pulumi_aws as aws

class Box(pulumi.ComponentResource):
    def __init__(self, name, opts=None):
        super().__init__("{token}", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        aws.s3.Bucket(f"{{name}}-bucket", force_destroy={force}, opts=child)
        self.register_outputs({{}})

Box("box", opts=pulumi.ResourceOptions(aliases=[{aliases}]))
"""


def _records(tmp_path: Path, token="test:index:Box", force="False", aliases="", preview=False):
    program = tmp_path / f"{abs(hash((token, force, aliases)))}.py"
    program.write_text(textwrap.dedent(PROGRAM.format(token=token, force=force, aliases=aliases)))
    result = run("dev", config={"aws:region": "eu-west-1"}, program=program, preview=preview)
    return records(result), result


def test_the_same_program_dumps_byte_identical_text(tmp_path):
    _, first = _records(tmp_path)
    _, second = _records(tmp_path)
    assert dump_text(first) == dump_text(second)


def test_a_renamed_component_without_alias_deletes_and_creates_its_children(tmp_path):
    old, _ = _records(tmp_path)
    new, _ = _records(tmp_path, token="test:index:Crate")
    problems = compare(old, new)
    assert any(
        "Box$aws:s3/bucket:Bucket::box-bucket is no longer registered" in p for p in problems
    )
    assert any("Crate$aws:s3/bucket:Bucket::box-bucket is new" in p for p in problems)


def test_a_renamed_component_with_an_alias_moves_its_children_unchanged(tmp_path):
    old, _ = _records(tmp_path)
    new, _ = _records(
        tmp_path, token="test:index:Crate", aliases='pulumi.Alias(type_="test:index:Box")'
    )
    assert compare(old, new) == []
    bucket = next(r for r in new if r["type"] == "aws:s3/bucket:Bucket")
    [old_bucket] = [r["urn"] for r in old if r["type"] == "aws:s3/bucket:Bucket"]
    assert old_bucket in bucket["aliases"]  # inherited from the component's alias


def test_a_changed_input_is_reported_even_behind_an_alias(tmp_path):
    old, _ = _records(tmp_path, preview=True)
    alias = 'pulumi.Alias(type_="test:index:Box")'
    new, _ = _records(tmp_path, token="test:index:Crate", force="True", aliases=alias, preview=True)
    [problem] = compare(old, new)
    assert "box-bucket: inputs {'forceDestroy': False} -> {'forceDestroy': True}" in problem

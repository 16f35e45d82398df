"""Pulumi.yaml follows the project-file reference to the letter: no `pulumi` command runs here."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from components.config import TOP_LEVEL_KEYS
from offline.runner import ROOT

# From Pulumi's project file reference ("Attributes" and "config options").
PROJECT_ATTRIBUTES = {
    "name", "runtime", "description", "config", "packages", "main", "stackConfigDir", "backend",
    "options", "template", "plugins",
}  # fmt: skip
PYTHON_RUNTIME_OPTIONS = {"toolchain", "virtualenv", "typechecker"}
SCHEMA_FIELDS = {"type", "description", "secret", "default", "items"}
SCHEMA_TYPES = {"string": str, "boolean": bool, "integer": int, "array": list}

PROJECT = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
PROJECT_TEXT = (ROOT / "Pulumi.yaml").read_text()


def test_project_file_has_only_documented_attributes():
    assert set(PROJECT) <= PROJECT_ATTRIBUTES
    assert re.fullmatch(r"[A-Za-z0-9_.-]+", PROJECT["name"]) and PROJECT["name"] == "hubspoke"
    runtime = PROJECT["runtime"]
    assert runtime["name"] == "python"
    assert set(runtime["options"]) <= PYTHON_RUNTIME_OPTIONS
    assert runtime["options"]["toolchain"] in {"pip", "poetry", "uv"}


def test_every_declared_key_has_a_documented_type_and_a_description():
    for key, schema in PROJECT["config"].items():
        assert ":" not in key, "schemas are only valid for project keys (no namespace)"
        assert set(schema) <= SCHEMA_FIELDS, key
        assert schema["type"] in SCHEMA_TYPES, key
        assert schema.get("description"), key
        if schema["type"] == "array":
            assert schema["items"]["type"] in SCHEMA_TYPES, key
        if "default" in schema:
            python_type = SCHEMA_TYPES[schema["type"]]
            assert isinstance(schema["default"], python_type), key
            assert not (python_type is int and isinstance(schema["default"], bool)), key


def test_every_key_the_program_reads_is_declared_or_described():
    declared = set(PROJECT["config"])
    structured = set(TOP_LEVEL_KEYS) - declared
    for key in structured:
        # The project file cannot type objects; each one is described in its comment block.
        assert re.search(rf"^#\s+{key}:\s+\S", PROJECT_TEXT, re.MULTILINE), key
    assert declared <= set(TOP_LEVEL_KEYS)


def test_stack_files_match_the_declared_types():
    for path in sorted(Path(ROOT).glob("Pulumi.*.yaml")):
        config = yaml.safe_load(path.read_text())["config"]
        for key, schema in PROJECT["config"].items():
            value = config.get(f"hubspoke:{key}")
            if value is not None:
                assert isinstance(value, SCHEMA_TYPES[schema["type"]]), (path.name, key)

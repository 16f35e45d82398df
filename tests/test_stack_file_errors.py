"""A wrong stack file is one clear problem per mistake: typos named with the nearest key, YAML
errors at file:line:column, no cascade, hints only where they apply; status 2, no traceback."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.config import ConfigError, parse_stack_file
from offline.runner import ROOT, parse_yaml

STACKS = {name: (ROOT / f"Pulumi.{name}.yaml").read_text() for name in ("dev", "prod")}


def check(text: str, file: str = "Pulumi.t.yaml") -> list[str]:
    """The problems `python -m offline` reports for a stack file's text ([] when it is valid)."""
    try:
        parse_stack_file(parse_yaml(text, file), stack="t", file=file)
    except ConfigError as err:
        return err.problems
    return []


def edited(stack: str, old: str, new: str) -> str:
    assert old in STACKS[stack], old
    return STACKS[stack].replace(old, new, 1)


def test_both_stack_files_have_no_problem():
    assert check(STACKS["dev"]) == [] and check(STACKS["prod"]) == []


def test_a_misspelt_namespace_names_the_key_it_was_meant_to_be():
    assert check(edited("dev", "  hubspoke:dns:", "  hubspok:dns:")) == [
        "hubspok:dns is not in a known config namespace; did you mean hubspoke:dns? "
        "(known: aws, hubspoke, pulumi)"
    ]


def test_a_misspelt_stack_file_key_is_one_problem_not_every_key_it_held():
    assert check(edited("dev", "config:", "confg:")) == [
        "Pulumi.t.yaml: confg is not a known key; did you mean config? "
        "(known: config, encryptedkey, encryptionsalt, environment, secretsprovider)"
    ]


def test_a_misspelt_provider_setting_is_not_also_reported_missing():
    assert check(edited("dev", "  aws:region:", "  aws:regoin:")) == [
        "aws:regoin is not a known key; did you mean aws:region?"
    ]


def test_a_misspelt_required_key_is_one_problem():
    assert check(edited("dev", "    cidr: 10.10.0.0/16", "    cidrs: 10.10.0.0/16")) == [
        "hubspoke:hub.cidrs is not a known key; did you mean cidr? "
        "(known: account, azCount, azIds, cidr, natGateways, networkAcls, region)"
    ]


def test_a_misspelt_namespace_of_a_required_key_is_not_also_reported_missing():
    assert check(edited("dev", "  hubspoke:hub:", "  hubspok:hub:")) == [
        "hubspok:hub is not in a known config namespace; did you mean hubspoke:hub? "
        "(known: aws, hubspoke, pulumi)"
    ]


def test_the_aws_settings_known_are_the_providers():
    from importlib.util import find_spec
    from pathlib import Path

    from components.model import AWS_CONFIG_KEYS

    source = Path(find_spec("pulumi_aws").origin).with_name("config").joinpath("vars.py")
    read = set(re.findall(r"__config__\.get\w*\('(\w+)'", source.read_text()))
    assert sorted(AWS_CONFIG_KEYS) == sorted(read)


def test_malformed_yaml_names_file_line_and_column():
    assert check("config:\n  hubspoke:hub:\n    cidr: [\n") == [
        "Pulumi.t.yaml:4:1 is not valid YAML: expected the node content, but found '<stream end>'"
    ]


def test_a_duplicate_key_is_refused_at_its_line():
    text = edited("dev", "    azCount: 2\n", "    azCount: 2\n    azCount: 3\n")
    assert check(text) == [
        "Pulumi.t.yaml:13:5 is not valid YAML: duplicate key azCount (first at line 12)"
    ]


def test_a_bad_account_id_is_one_problem_not_one_per_reference():
    # prod: network is used by the hub and a spoke; neither reference is reported.
    text = edited("prod", 'id: "111122223333"', 'id: "11112222333"')
    assert check(text) == [
        "hubspoke:accounts.network.id 11112222333 is not a 12-digit AWS account id"
    ]


def test_the_quote_hint_is_given_only_for_an_unquoted_id():
    text = edited("prod", 'id: "111122223333"', "id: 11112222333")
    assert check(text) == [
        "hubspoke:accounts.network.id 11112222333 is not a 12-digit AWS account id "
        "(quote it in YAML)"
    ]


def test_a_bad_on_prem_cidr_is_not_also_reported_for_its_dns_servers():
    config = yaml.safe_load(STACKS["prod"])
    config["config"]["hubspoke:onPrem"]["cidrs"][0] = "192.168.0.0/33"
    found = check(yaml.safe_dump(config))
    assert len(found) == 1 and found[0].startswith("hubspoke:onPrem.cidrs[0] 192.168.0.0/33")


def test_a_boolean_log_retention_is_one_problem_not_also_the_query_logs_default():
    # Found by the mutation test below: `true == 1` passed the membership test, so prod's query
    # logging (which defaults to logRetentionDays) reported a key the stack file does not have.
    config = yaml.safe_load(STACKS["prod"])
    config["config"]["hubspoke:logRetentionDays"] = True
    found = check(yaml.safe_dump(config))
    assert len(found) == 1 and found[0].startswith("hubspoke:logRetentionDays true"), found


def test_a_spoke_without_a_usable_name_is_not_also_an_unknown_api_spoke():
    config = yaml.safe_load(STACKS["dev"])
    config["config"]["hubspoke:spokes"][0]["name"] = 7
    assert check(yaml.safe_dump(config)) == ["hubspoke:spokes[0].name 7 must be a non-empty string"]


# ---------------------------------------------------------------------------------------------
# Property: any one mutation of a real stack file gives a clean parse or problems naming key
# paths of the input (a missing key: its parent), never another exception.

_SEGMENT = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")


def _lookup(config: Any, path: str) -> bool:
    """Whether `hubspoke:hub.cidr`, `aws:region`, `hubspoke:spokes[0]` ... exists in `config`."""
    head = re.match(r"[^.\[]+", path)
    node, rest = config, path
    if head:
        # A key without namespace is the project's (`hub` is `hubspoke:hub`), as Pulumi reads it.
        written = [k for k in (head.group(0), head.group(0).removeprefix("hubspoke:")) if k]
        found = [k for k in written if isinstance(node, dict) and k in node]
        if not found:
            return False
        node, rest = node[found[0]], path[head.end() :]
    for match in _SEGMENT.finditer(rest):
        key, index = match.groups()
        if key is not None:
            if not isinstance(node, dict):
                return False
            found = [k for k in node if str(k) == key]
            if not found:
                return False
            node = node[found[0]]
        else:
            if not isinstance(node, list) or int(index) >= len(node):
                return False
            node = node[int(index)]
    return True


def _names_a_path_of(problem: str, settings: Any, text: str) -> bool:
    if m := re.match(r"Pulumi\.t\.yaml:(\d+):(\d+) ", problem):
        return int(m.group(1)) <= text.count("\n") + 1
    if m := re.match(r"Pulumi\.t\.yaml: (\S+) ", problem):
        return isinstance(settings, dict) and m.group(1) in map(str, settings)
    if problem.startswith("Pulumi.t.yaml "):
        return True  # about the whole file
    path = problem.split(" ", 1)[0]
    config = settings.get("config") if isinstance(settings, dict) else None
    if problem == f"{path} is required":
        parent = re.sub(r"(\.[^.\[\]]+|\[\d+\])$", "", path)
        return not _lookup(config, path) and (parent == path or _lookup(config, parent))
    return _lookup(config, path)


def _places(node: Any, at: tuple = ()) -> list[tuple]:
    """Every (container path, key) in the document: where a mutation can happen."""
    places = []
    items = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else ()
    )
    for key, child in items:
        places.append((*at, key))
        places += _places(child, (*at, key))
    return places


RETYPED = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 10**13), st.text(max_size=12),
    st.lists(st.integers(0, 3), max_size=2),
    st.dictionaries(st.sampled_from(["a", "id"]), st.integers(), max_size=1),
)  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn) -> str:
    """A stack file's text with one key dropped, renamed, retyped or duplicated, at any depth."""
    stack = draw(st.sampled_from(sorted(STACKS)))
    doc = yaml.safe_load(STACKS[stack])
    place = draw(st.sampled_from(_places(doc)))
    parent = doc
    for key in place[:-1]:
        parent = parent[key]
    key = place[-1]
    how = draw(st.sampled_from(["drop", "rename", "retype", "duplicate"]))
    if how == "drop":
        del parent[key]
    elif how == "retype":
        parent[key] = draw(RETYPED)
    elif how == "rename" and isinstance(parent, dict):
        name = str(key)
        i = draw(st.integers(0, len(name)))
        new = name[:i] + draw(st.sampled_from(["x", "", "_"])) + name[i + 1 :]
        parent[new if new != name else name + "s"] = parent.pop(key)
    text = yaml.safe_dump(doc, sort_keys=False)
    if how == "duplicate":
        lines = text.splitlines(keepends=True)
        keyed = [i for i, line in enumerate(lines) if re.match(r"\s*(- )?[\w:-]+:( |$)", line)]
        i = draw(st.sampled_from(keyed))
        lines.insert(i + 1, re.sub(r"^(\s*)- ", r"\1  ", lines[i]))
        text = "".join(lines)
    return text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_any_one_mutation_is_a_clean_parse_or_problems_naming_paths_of_the_input(text):
    found = check(text)  # raises anything but ConfigError: the test fails with its traceback
    try:
        settings_ = yaml.safe_load(text)
    except yaml.YAMLError:
        settings_ = None
    unnamed = [p for p in found if not _names_a_path_of(p, settings_, text)]
    assert not unnamed, f"problems naming no key of the input: {unnamed}\n{text}"


# ---------------------------------------------------------------------------------------------
# Through the command line, as a user runs it.


@pytest.mark.parametrize(
    ("command", "old", "new", "expected"),
    [
        ("plan", "  hubspoke:dns:", "  hubspok:dns:", "did you mean hubspoke:dns?"),
        ("plan --preview", "config:", "confg:", "confg is not a known key; did you mean config?"),
        ("deploy", "    azCount: 2\n", "    azCount: 2\n  :\n",
         "Pulumi.broken.yaml:13:3 is not valid YAML"),
    ],
)  # fmt: skip
def test_the_commands_exit_2_without_a_traceback_on_a_bad_stack_file(
    tmp_path, command, old, new, expected
):
    path = tmp_path / "Pulumi.broken.yaml"
    path.write_text(edited("dev", old, new))
    done = subprocess.run(
        [sys.executable, "-m", "offline", *command.split(), "--stack", str(path)],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert expected in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert done.stdout == ""  # nothing was planned or deployed

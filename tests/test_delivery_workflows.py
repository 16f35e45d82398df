"""CI definitions: GitHub workflows pass actionlint and keep the promises of the delivery design
(every stack previewed and deployed, OIDC only, SHA-pinned actions, one update per stack at a
time, approval before prod); GitLab CI mirrors them."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
WORKFLOWS = ROOT / ".github" / "workflows"
STACKS = sorted(p.name.split(".")[1] for p in ROOT.glob("Pulumi.*.yaml"))
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def workflow(name: str) -> dict:
    # PyYAML reads the key `on` as True (YAML 1.1); the tests only look at jobs.
    return yaml.safe_load((WORKFLOWS / name).read_text())


def all_steps():
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for job_id, job in yaml.safe_load(path.read_text())["jobs"].items():
            for step in job.get("steps", []):
                yield path.name, job_id, step


def actionlint() -> str:
    found = shutil.which("actionlint") or str(Path(sys.executable).parent / "actionlint")
    assert Path(found).exists(), "actionlint is pinned in requirements-dev.txt"
    return found


def test_workflows_pass_actionlint():
    result = subprocess.run(
        [actionlint(), *sorted(str(p) for p in WORKFLOWS.glob("*.yml"))],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_would_catch_a_broken_workflow(tmp_path):
    broken = tmp_path / ".github" / "workflows"
    broken.mkdir(parents=True)
    (broken / "x.yml").write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n"
        "      - run: echo ${{ matrix.stack }}\n"
    )
    result = subprocess.run(
        [actionlint(), str(broken / "x.yml")], capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0 and "matrix" in result.stdout


def test_preview_matrix_is_every_stack_file():
    matrix = workflow("preview.yml")["jobs"]["preview"]["strategy"]["matrix"]["stack"]
    assert sorted(matrix) == STACKS and {"dev", "prod"} <= set(STACKS)


def test_deploy_updates_every_stack_dev_first_and_prod_in_the_protected_environment():
    jobs = workflow("deploy.yml")["jobs"]
    ups = {job["with"]["stack"]: (job_id, job) for job_id, job in jobs.items() if "with" in job}
    assert sorted(ups) == STACKS
    assert all(job["uses"] == "./.github/workflows/up.yml" for _, job in ups.values())
    assert ups["prod"][1]["needs"] == ups["dev"][0]
    up = workflow("up.yml")["jobs"]["up"]
    # The environment named like the stack: its required reviewers gate prod.
    assert up["environment"] == "${{ inputs.stack }}"


def test_each_stack_update_has_its_own_uncancelled_concurrency_group():
    up = workflow("up.yml")["jobs"]["up"]
    assert up["concurrency"] == {"group": "pulumi-${{ inputs.stack }}", "cancel-in-progress": False}
    preview = workflow("preview.yml")["jobs"]["preview"]
    assert "${{ matrix.stack }}" in preview["concurrency"]["group"]
    assert not preview["concurrency"]["group"].startswith("pulumi-${{")  # never queues a deploy


def test_every_action_is_pinned_by_full_commit_sha_with_its_version():
    texts = "\n".join(p.read_text() for p in WORKFLOWS.glob("*.yml"))
    uses = [(f, step["uses"]) for f, _, step in all_steps() if "uses" in step]
    assert uses
    for name, ref in uses:
        assert PINNED.match(ref), f"{name}: {ref} is not pinned by a 40-hex commit SHA"
        assert re.search(re.escape(ref) + r" # v\d+\.\d+\.\d+", texts), f"{ref} lacks # vX.Y.Z"


def test_jobs_that_touch_aws_use_oidc_and_no_stored_keys():
    for name in ("preview.yml", "up.yml"):
        text = (WORKFLOWS / name).read_text()
        assert "secrets." not in text
        assert "aws-access-key-id" not in text and "aws-secret-access-key" not in text
        for job in workflow(name)["jobs"].values():
            uses = [s.get("uses", "") for s in job["steps"]]
            if any(u.startswith("aws-actions/configure-aws-credentials@") for u in uses):
                assert job["permissions"]["id-token"] == "write"
                step = next(s for s in job["steps"] if "configure-aws" in s.get("uses", ""))
                assert "role-to-assume" in step["with"]


def test_pull_request_preview_runs_diff_with_the_policy_pack_and_comments():
    preview = workflow("preview.yml")["jobs"]["preview"]
    pulumi = next(s for s in preview["steps"] if s.get("uses", "").startswith("pulumi/actions@"))
    assert pulumi["with"]["command"] == "preview"
    assert pulumi["with"]["diff"] is True and pulumi["with"]["comment-on-pr"] is True
    assert pulumi["with"]["policyPacks"] == "policy"
    assert preview["permissions"]["pull-requests"] == "write"
    # The tests gate every preview, and every deploy.
    assert preview["needs"] == "test"
    assert workflow("deploy.yml")["jobs"]["up-dev"]["needs"] == "test"


def test_preview_session_is_marked_read_only_before_pulumi_runs():
    steps = workflow("preview.yml")["jobs"]["preview"]["steps"]
    names = [s.get("uses", s.get("run", "")) for s in steps]
    mark = next(i for i, n in enumerate(names) if "--source-identity hubspoke-preview" in n)
    pulumi = next(i for i, n in enumerate(names) if n.startswith("pulumi/actions@"))
    assert mark < pulumi


# --- GitLab -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gitlab() -> dict:
    return yaml.safe_load((ROOT / ".gitlab-ci.yml").read_text())


def job_is_up(job) -> bool:
    return isinstance(job, dict) and job.get("extends") == ".up"


def test_gitlab_previews_every_stack_on_merge_requests(gitlab):
    preview = gitlab["preview"]
    assert sorted(preview["parallel"]["matrix"][0]["STACK"]) == STACKS
    assert preview["rules"] == [{"if": '$CI_PIPELINE_SOURCE == "merge_request_event"'}]
    assert any("--source-identity hubspoke-preview" in line for line in preview["script"])
    assert any("pulumi preview" in s and "--policy-pack policy" in s for s in preview["script"])


def test_gitlab_deploys_every_stack_on_the_default_branch_with_a_manual_prod_gate(gitlab):
    ups = {job["variables"]["STACK"]: job for job in gitlab.values() if job_is_up(job)}
    assert sorted(ups) == STACKS
    for stack, job in ups.items():
        assert job["resource_group"] == f"pulumi-{stack}"
        assert job["environment"]["name"] == stack
        assert job["rules"][0]["if"] == "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"
    assert ups["prod"]["rules"][0]["when"] == "manual"
    assert ups["prod"]["rules"][0]["allow_failure"] is False  # the pipeline waits for it
    assert ups["prod"]["needs"] == ["up-dev"]
    assert "when" not in ups["dev"]["rules"][0]


def test_gitlab_uses_oidc_tokens_and_no_stored_keys(gitlab):
    text = (ROOT / ".gitlab-ci.yml").read_text()
    assert gitlab[".pulumi"]["id_tokens"]["AWS_ID_TOKEN"]["aud"] == "sts.amazonaws.com"
    assert "$AWS_ACCESS_KEY_ID" not in text and "$AWS_SECRET_ACCESS_KEY" not in text


def test_pull_requests_get_the_offline_diff_against_the_base_branch():
    job = workflow("preview.yml")["jobs"]["offline-diff"]
    assert job["needs"] == "test"
    checkouts = [s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@")]
    assert any(
        c.get("with", {}).get("ref") == "${{ github.event.pull_request.base.sha }}"
        and c["with"].get("path") == "base"
        for c in checkouts
    )
    script = next(s["run"] for s in job["steps"] if "offline diff" in s.get("run", ""))
    assert '--base "base/$file" --stack "$file" --base-root' in script
    assert "pipefail" in script  # a failing diff fails the job, not only tee
    assert "id-token" not in job.get("permissions", {})  # no AWS


def test_each_stack_deploys_with_its_own_role_for_a_session_long_enough_for_prod():
    up = workflow("up.yml")["jobs"]["up"]
    step = next(s for s in up["steps"] if "configure-aws" in s.get("uses", ""))
    # The environment's DEPLOY_ROLE_ARN (hubspoke-deploy-<stack>) in the environment of the stack.
    assert step["with"]["role-to-assume"] == "${{ vars.DEPLOY_ROLE_ARN }}"
    assert up["environment"] == "${{ inputs.stack }}"
    # The bootstrap's MaxSessionDuration of the roles CI enters (bootstrap/baseline/access.py).
    assert step["with"]["role-duration-seconds"] == 4 * 3600

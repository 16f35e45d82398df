"""Short-lived AWS credentials for a CI job, from its OIDC token or its current session.

`web-identity` exchanges the job's OIDC token (GitLab `id_tokens`) for a role's credentials;
`assume` re-assumes a role with a source identity, which AWS keeps on every role chained after it
(so `hubspoke-preview` marks a whole preview as read-only, see bootstrap/baseline/policies.py).
Prints `export` lines for a shell, or, with `--github-env FILE`, appends them to the job's
environment file and prints the `::add-mask::` commands that hide them in the log.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import boto3

DURATION_SECONDS = 3600


def _sts() -> Any:
    # The regional endpoint, in the region the job runs against (CI variable AWS_REGION).
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    return boto3.client("sts", region_name=region)


def web_identity(role_arn: str, token: str, session: str, sts: Any = None) -> dict[str, str]:
    """The role's credentials for a job's OIDC token (the call itself needs no credentials)."""
    sts = sts or _sts()
    answer = sts.assume_role_with_web_identity(
        RoleArn=role_arn,
        RoleSessionName=session,
        WebIdentityToken=token,
        DurationSeconds=DURATION_SECONDS,
    )
    return _variables(answer["Credentials"])


def assume(role_arn: str, session: str, source_identity: str, sts: Any = None) -> dict[str, str]:
    """The role's credentials with a source identity, from the current session's credentials."""
    sts = sts or _sts()
    answer = sts.assume_role(
        RoleArn=role_arn,
        RoleSessionName=session,
        SourceIdentity=source_identity,
        DurationSeconds=DURATION_SECONDS,
    )
    return _variables(answer["Credentials"])


def _variables(credentials: Mapping[str, Any]) -> dict[str, str]:
    return {
        "AWS_ACCESS_KEY_ID": credentials["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": credentials["SecretAccessKey"],
        "AWS_SESSION_TOKEN": credentials["SessionToken"],
    }


def shell_exports(variables: Mapping[str, str]) -> str:
    return "".join(f"export {k}={shlex.quote(v)}\n" for k, v in variables.items())


def github_env(variables: Mapping[str, str], env_file: str) -> str:
    """Appends the variables to $GITHUB_ENV; returns the mask commands to print first."""
    with open(env_file, "a", encoding="utf-8") as handle:
        handle.writelines(f"{k}={v}\n" for k, v in variables.items())
    secret = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
    return "".join(f"::add-mask::{variables[k]}\n" for k in secret)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("how", choices=["web-identity", "assume"])
    parser.add_argument("--role-arn", required=True)
    parser.add_argument("--session", required=True)
    parser.add_argument("--token", help="the OIDC token (web-identity)")
    parser.add_argument("--source-identity", default="hubspoke-preview")
    parser.add_argument("--github-env", help="append to this file instead of printing exports")
    args = parser.parse_args(argv)
    if args.how == "web-identity":
        if not args.token:
            parser.error("web-identity needs --token")
        variables = web_identity(args.role_arn, args.token, args.session)
    else:
        variables = assume(args.role_arn, args.session, args.source_identity)
    if args.github_env:
        sys.stdout.write(github_env(variables, args.github_env))
    else:
        sys.stdout.write(shell_exports(variables))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

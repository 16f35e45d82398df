"""`python -m offline <command>`: run the program without AWS. One function per command.

Each command is a function `<name>(args) -> exit code` plus an `add_<name>(commands)` that
declares its arguments; `main` only builds the parser from `COMMANDS` and dispatches.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from components.config import ConfigError


def plan(args: argparse.Namespace) -> int:
    """Print what `pulumi up` (or `pulumi preview`) would create for a stack file, under mocks."""
    from offline.plan import render
    from offline.runner import check_stack, run

    check_stack(args.stack)
    print(render(run(args.stack, preview=args.preview)))
    return 0


def add_plan(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser("plan", help=plan.__doc__)
    p.add_argument(
        "--stack",
        default="dev",
        help="a stack name (runs Pulumi.<stack>.yaml) or a stack file's path (default: dev)",
    )
    p.add_argument("--preview", action="store_true", help="preview mode: computed values unknown")
    p.set_defaults(func=plan)


def diff(args: argparse.Namespace) -> int:
    """Print what `pulumi preview --diff` would do to a stack deployed from --base when the program
    runs with --stack: create, update, replace (and why), delete or same, per resource."""
    from offline.diff import check_both, render, run_both, to_json
    from offline.diff import diff as diff_runs

    if args.base_root is not None and not (args.base_root / "Pulumi.yaml").is_file():
        print(
            f"error: --base-root {args.base_root} is not a checkout of this project "
            "(no Pulumi.yaml there)",
            file=sys.stderr,
        )
        return 2
    try:
        check_both(args.base, args.stack, args.base_root)
        steps = diff_runs(*run_both(args.base, args.stack, args.base_root))
    except RuntimeError as e:  # the base checkout's program failed: its own error follows
        print(f"error: {e}", file=sys.stderr)
        return 1
    print(to_json(steps) if args.json else render(steps, args.base, args.stack))
    return 0


def add_diff(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser("diff", help=diff.__doc__)
    p.add_argument("--base", required=True, help="the deployed side: a stack name or file path")
    p.add_argument("--stack", required=True, help="the new side: a stack name or file path")
    p.add_argument(
        "--base-root",
        type=Path,
        help="a checkout of the base branch: run --base with that checkout's program, so code "
        "changes show too (default: this checkout's program for both sides)",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print only a JSON list of {urn, type, name, op, diffs, replaceReasons}",
    )
    p.set_defaults(func=diff)


def deploy(args: argparse.Namespace) -> int:
    """Deploy a stack file into the in-process AWS emulator (moto); optionally serve its API."""
    import threading

    from offline.deploy import cors_origins, start_gateway, summary
    from offline.deploy import deploy as deploy_stack
    from offline.emulator import EmulatorMocks, EmulatorRejected
    from offline.runner import check_stack

    check_stack(args.stack)
    web_port = (args.port + 1 if args.port else 0) if args.web_port is None else args.web_port
    for flag, port in (("--port", args.port), ("--web-port", web_port)):
        if args.serve and (taken := port_taken(port)):
            print(
                f"error: cannot serve on 127.0.0.1:{port}: {taken}; nothing was deployed, "
                f"choose another {flag}",
                file=sys.stderr,
            )
            return 2
    from offline.webapp import LocalWebApp, web_config

    web = LocalWebApp()
    if args.serve:  # bound first: its origin goes into the API's CORS origins
        web.serve(web_port)
    web_origin = web.url if args.serve else ""
    with web, EmulatorMocks() as emulator:  # the web server stops on every way out
        try:
            origins = [web_origin] if args.serve else []
            result = deploy_stack(args.stack, emulator, web_origins=origins)
        except EmulatorRejected as e:
            print(f"error: the emulator rejected {e}", file=sys.stderr)
            return 1
        except NotImplementedError as e:  # an invoke the emulator does not answer
            print(f"error: {e}", file=sys.stderr)
            return 1
        print(summary(result, emulator))
        if not args.serve:
            return 0
        try:
            cors = [*cors_origins(args.stack), web_origin]
            gateway = start_gateway(
                result, emulator, handler=args.handler, cors=cors, port=args.port
            )
        except LookupError as e:
            print(f"error: cannot serve: {e}", file=sys.stderr)
            return 2
        web.configure(web_config(result, gateway), connect_src=gateway.url)
        url = f"{gateway.url}/{gateway.api.stage}"
        print(
            f"\nServing the web app at {web.url}/ (its config.json points at the local API)\n"
            f"and the deployed API at {url} (stage {gateway.api.stage}); Ctrl-C stops.\n"
            "Get a token for a user (signed up and confirmed in the emulated user pool):\n"
            f"    TOKEN=$(python -m offline token --user alice --port {args.port})\n"
            f'    curl -H "Authorization: $TOKEN" {url}/items',
            flush=True,
        )
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            print("stopped")
        finally:
            gateway.stop()
        return 0


def port_taken(port: int) -> str | None:
    """Why `--serve` could not listen on 127.0.0.1:`port`, checked before a deploy of minutes is
    thrown away; None when it can (the gateway binds it again after the deploy, the same way:
    http.server sets SO_REUSEADDR)."""
    import socket

    if port == 0:
        return None
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as err:
            return err.strerror or str(err)
    return None


def add_deploy(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser("deploy", help=deploy.__doc__)
    p.add_argument("--stack", default="dev", help="the Pulumi.<stack>.yaml to deploy (default dev)")
    p.add_argument("--serve", action="store_true", help="then serve the deployed API locally")
    p.add_argument("--port", type=int, default=8787, help="port on 127.0.0.1 for --serve")
    p.add_argument(
        "--web-port",
        type=int,
        default=None,
        help="port on 127.0.0.1 for the web app (default: --port + 1); its origin is added to "
        "the API's CORS origins",
    )
    p.add_argument(
        "--handler",
        default=None,
        help="module:function to call instead of the deployed function code (default: the "
        "function's zip as deployed, with its configured handler)",
    )
    p.set_defaults(func=deploy)


def token(args: argparse.Namespace) -> int:
    """Sign a user up and in (optionally into a group), in the emulated user pool of a running
    `deploy --serve`; print an id token."""
    import http.client
    import json

    conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
    try:
        request = {"user": args.user} | ({"group": args.group} if args.group else {})
        conn.request("POST", "/_offline/token", body=json.dumps(request))
        response = conn.getresponse()
        body = json.loads(response.read() or b"{}")
    except OSError as e:
        print(f"error: no local gateway on 127.0.0.1:{args.port} ({e})", file=sys.stderr)
        return 1
    finally:
        conn.close()
    if response.status != 200:
        print(f"error: {body.get('message', response.status)}", file=sys.stderr)
        return 1
    group = f" in group {args.group}" if args.group else ""
    print(
        f"# user {body['username']}{group}: Authorization header value (id token)",
        file=sys.stderr,
    )
    print(body["idToken"])
    return 0


def add_token(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser("token", help="sign up/in a user in the emulated pool; print a token")
    p.add_argument("--user", required=True, help="user name (an email is made from it if needed)")
    p.add_argument("--group", default=None, help="put the user in this Cognito group first")
    p.add_argument("--port", type=int, default=8787, help="port of `deploy --serve`")
    p.set_defaults(func=token)


USAGE = """Run this Pulumi program without AWS credentials, the Pulumi CLI or the network.

  python -m offline plan --stack prod           what `pulumi up` would create, as a tree
  python -m offline diff --base dev --stack prod  what changes between two stack files, as
                                                `pulumi preview --diff` shows it
  python -m offline deploy --stack dev --serve  create it in an in-process AWS emulator, serve
                                                the API on http://127.0.0.1:8787/<stage>/
  python -m offline token --user alice          a sign-in token for the served API

--stack takes a stack name (Pulumi.<stack>.yaml) or a stack file's path. A bad stack file exits
with status 2 listing every problem; a resource AWS would refuse exits with status 1."""

COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [
    add_plan,
    add_diff,
    add_deploy,
    add_token,
]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m offline",
        description=USAGE,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for add in COMMANDS:
        add(commands)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ConfigError, FileNotFoundError) as err:
        return config_error(err)


def config_error(err: ConfigError | FileNotFoundError) -> int:
    """The one way a command ends on a bad or missing stack file: every problem on stderr, no
    traceback, status 2, before anything was registered (each command calls `check_stack` first)."""
    print(f"error: {err}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())

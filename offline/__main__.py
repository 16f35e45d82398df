"""`python -m offline <command>`: run the program without AWS. One function per command.

Each command is a function `<name>(args) -> exit code` plus an `add_<name>(commands)` that
declares its arguments; `main` only builds the parser from `COMMANDS` and dispatches.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from components.config import ConfigError


def plan(args: argparse.Namespace) -> int:
    """Print what `pulumi up` (or `pulumi preview`) would create for a stack file, under mocks."""
    from offline.plan import render
    from offline.runner import run

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


def deploy(args: argparse.Namespace) -> int:
    """Deploy a stack file into the in-process AWS emulator (moto); optionally serve its API."""
    import threading

    from offline.deploy import cors_origins, start_gateway, summary
    from offline.deploy import deploy as deploy_stack
    from offline.emulator import EmulatorMocks, EmulatorRejected

    with EmulatorMocks() as emulator:
        try:
            result = deploy_stack(args.stack, emulator)
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
            cors = cors_origins(args.stack)
            gateway = start_gateway(
                result, emulator, handler=args.handler, cors=cors, port=args.port
            )
        except LookupError as e:
            print(f"error: cannot serve: {e}", file=sys.stderr)
            return 2
        url = f"{gateway.url}/{gateway.api.stage}"
        print(
            f"\nServing the deployed API at {url} (stage {gateway.api.stage}); Ctrl-C stops.\n"
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


def add_deploy(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser("deploy", help=deploy.__doc__)
    p.add_argument("--stack", default="dev", help="the Pulumi.<stack>.yaml to deploy (default dev)")
    p.add_argument("--serve", action="store_true", help="then serve the deployed API locally")
    p.add_argument("--port", type=int, default=8787, help="port on 127.0.0.1 for --serve")
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


COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [add_plan, add_deploy, add_token]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m offline", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for add in COMMANDS:
        add(commands)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as err:
        print(err, file=sys.stderr)
        return 2
    except FileNotFoundError as err:
        print(err, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

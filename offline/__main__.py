"""Offline commands: `python -m offline <command> [options]`.

One function per subcommand, registered in `COMMANDS`; `main` only parses and dispatches.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence


def cmd_deploy(args: argparse.Namespace) -> int:
    """Deploy a stack file into the in-process emulator and print the summary."""
    import threading

    from offline.deploy import cors_origins, deploy, start_gateway, summary
    from offline.emulator import EmulatorMocks, EmulatorRejected

    with EmulatorMocks() as emulator:
        try:
            result = deploy(args.stack, emulator)
        except EmulatorRejected as e:
            print(f"error: the emulator rejected {e}", file=sys.stderr)
            return 1
        print(summary(result, emulator))
        if not args.serve:
            return 0
        try:
            gateway = start_gateway(
                result,
                emulator,
                handler=args.handler,
                cors=cors_origins(args.stack),
                port=args.port,
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


def add_deploy(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("deploy", help="deploy a stack file into the in-process AWS emulator")
    p.add_argument("--stack", default="dev", help="the Pulumi.<stack>.yaml to deploy (default dev)")
    p.add_argument("--serve", action="store_true", help="then serve the deployed API locally")
    p.add_argument("--port", type=int, default=8787, help="port on 127.0.0.1 for --serve")
    p.add_argument(
        "--handler",
        default="functions.items.app:lambda_handler",
        help="module:function the local gateway calls for the API's Lambda integrations",
    )
    p.set_defaults(func=cmd_deploy)


def cmd_token(args: argparse.Namespace) -> int:
    """Ask a running local gateway to sign a user up and in; print the id token."""
    import http.client
    import json

    conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=30)
    try:
        conn.request("POST", "/_offline/token", body=json.dumps({"user": args.user}))
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
    print(f"# user {body['username']}: Authorization header value (id token)", file=sys.stderr)
    print(body["idToken"])
    return 0


def add_token(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("token", help="sign up/in a user in the emulated pool; print an id token")
    p.add_argument("--user", required=True, help="user name (an email is made from it if needed)")
    p.add_argument("--port", type=int, default=8787, help="port of `deploy --serve`")
    p.set_defaults(func=cmd_token)


COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [add_deploy, add_token]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m offline", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for add in COMMANDS:
        add(sub)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

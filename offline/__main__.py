"""Offline commands: `python -m offline <command> [options]`.

One function per subcommand, registered in `COMMANDS`; `main` only parses and dispatches.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence


def cmd_deploy(args: argparse.Namespace) -> int:
    """Deploy a stack file into the in-process emulator and print the summary."""
    from offline.deploy import deploy, summary
    from offline.emulator import EmulatorMocks, EmulatorRejected

    with EmulatorMocks() as emulator:
        try:
            result = deploy(args.stack, emulator)
        except EmulatorRejected as e:
            print(f"error: the emulator rejected {e}", file=sys.stderr)
            return 1
        print(summary(result, emulator))
        if args.serve:
            print("\n--serve: the local API gateway is not part of this build yet", file=sys.stderr)
            return 2
        return 0


def add_deploy(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("deploy", help="deploy a stack file into the in-process AWS emulator")
    p.add_argument("--stack", default="dev", help="the Pulumi.<stack>.yaml to deploy (default dev)")
    p.add_argument("--serve", action="store_true", help="then serve the deployed API locally")
    p.add_argument("--port", type=int, default=8787, help="port on 127.0.0.1 for --serve")
    p.set_defaults(func=cmd_deploy)


COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [add_deploy]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m offline", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for add in COMMANDS:
        add(sub)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

"""`python -m offline <command>`: run the program without AWS. One function per command."""

from __future__ import annotations

import argparse
import sys

from components.config import ConfigError


def plan(args: argparse.Namespace) -> int:
    """Print what `pulumi up` (or `pulumi preview`) would create for a stack file, under mocks."""
    from offline.plan import render
    from offline.runner import run

    print(render(run(args.stack, preview=args.preview)))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m offline", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    p = commands.add_parser("plan", help=plan.__doc__)
    p.add_argument(
        "--stack",
        default="dev",
        help="a stack name (runs Pulumi.<stack>.yaml) or a stack file's path (default: dev)",
    )
    p.add_argument("--preview", action="store_true", help="preview mode: computed values unknown")
    p.set_defaults(func=plan)

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

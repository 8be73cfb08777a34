"""``python -m bench.load.prepare ACCOUNTS.json``: migrate the load test's database, prepare its
data (``bench/load/data.py``) and write the accounts the simulated users sign in with."""

import argparse
import json
import sys
from dataclasses import fields
from pathlib import Path


def main(argv=None) -> int:
    import django

    django.setup()
    from django.core.management import call_command

    from . import data
    from .data import Sizes

    parser = argparse.ArgumentParser(prog="python -m bench.load.prepare")
    parser.add_argument("accounts", type=Path)
    for field in fields(Sizes):
        parser.add_argument(f"--{field.name.replace('_', '-')}", type=int, default=field.default)
    args = parser.parse_args(argv)
    call_command("migrate", verbosity=0)
    sizes = Sizes(**{field.name: getattr(args, field.name) for field in fields(Sizes)})
    accounts = data.prepare(sys.stdout, sizes)
    args.accounts.write_text(json.dumps(accounts))
    return 0


if __name__ == "__main__":
    sys.exit(main())

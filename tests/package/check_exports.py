#!/usr/bin/env python3
"""What a firmware links from dbtok: every symbol an archive defines for other
objects to use must be a dbtok name (dbtok_*, DBTOK_*), so that dbtok links
beside anything else a firmware holds (its own jsmn, a function called
exchange). Names an interface outside dbtok fixes (mbedTLS's PSA random hook)
are allowed one by one with --allow, on the archive that exists to define them.

Usage: check_exports.py --nm NM [--allow NAME]... LIB.a...
Prints each archive's exported names; exit 1 on any other name.
"""
import argparse
import subprocess
import sys

PREFIXES = ("dbtok_", "DBTOK_")


def exported(nm, archive):
    """Names the archive's objects define with external linkage."""
    out = subprocess.run([nm, "--defined-only", "-g", archive], check=True, capture_output=True,
                         text=True).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3:
            names.add(parts[2])
    return names


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--nm", required=True)
    parser.add_argument("--allow", action="append", default=[])
    parser.add_argument("libraries", nargs="+")
    args = parser.parse_args()

    bad = 0
    for lib in args.libraries:
        names = exported(args.nm, lib)
        if not names:
            print(f"{lib}: defines nothing (is this the right archive?)")
            bad += 1
            continue
        foreign = sorted(n for n in names if not n.startswith(PREFIXES) and n not in args.allow)
        print(f"{lib}: {len(names)} exported names, {len(foreign)} outside dbtok's")
        for name in foreign:
            print(f"  {name}")
        bad += len(foreign)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

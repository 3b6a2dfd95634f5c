#!/usr/bin/env python3
"""A program that uses dbtok only through its public API calls no internal
function: none of its objects refers to a dbtok__* name (the core's
cross-file functions, which a program could declare by hand and still link,
since the archive defines them). The include path keeps core/src's headers
out at compile time; this keeps its functions out at link time.

Usage: check_public_api.py --nm NM OBJECT...
Prints the internal names each object refers to; exit 1 when there are any.
"""
import argparse
import subprocess
import sys


def undefined(nm, obj):
    """Names the object uses and leaves for the linker to find."""
    out = subprocess.run([nm, "--undefined-only", obj], check=True, capture_output=True, text=True).stdout
    return {line.split()[-1] for line in out.splitlines() if line.strip()}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--nm", required=True)
    parser.add_argument("objects", nargs="+")
    args = parser.parse_args()

    bad = 0
    for obj in args.objects:
        internal = sorted(n for n in undefined(args.nm, obj) if n.startswith("dbtok__"))
        for name in internal:
            print(f"{obj}: uses {name}, which is not dbtok's public API")
        bad += len(internal)
    print(f"{len(args.objects)} objects, {bad} uses of internal names")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

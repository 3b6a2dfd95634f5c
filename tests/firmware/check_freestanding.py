#!/usr/bin/env python3
"""What dbtok's core needs from a C library, checked on the freestanding RISC-V build:
every symbol the given libraries leave undefined must be defined by one of them, by the
port's mem*/str* (the provider), or belong to mbedTLS (mbedtls_*, psa_*), the core's one
declared dependency. Prints the provider functions the core uses.

Usage: check_freestanding.py --nm NM --provider libdbtok_freestanding.a LIB.a...
"""
import argparse
import subprocess
import sys

MBEDTLS_PREFIXES = ("mbedtls_", "psa_")


def table(nm, archive):
    """(defined, undefined) symbol names of an archive."""
    out = subprocess.run([nm, archive], check=True, capture_output=True, text=True).stdout
    defined, undefined = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "U":
            undefined.add(parts[1])
        elif len(parts) == 3 and parts[1].isupper():
            defined.add(parts[2])
    return defined, undefined


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--nm", required=True)
    parser.add_argument("--provider", required=True)
    parser.add_argument("libraries", nargs="+")
    args = parser.parse_args()

    defined, undefined = set(), set()
    for lib in args.libraries:
        d, u = table(args.nm, lib)
        defined |= d
        undefined |= u
    provided, _ = table(args.nm, args.provider)
    if "dbtok_token_create" not in defined:
        print("dbtok_token_create is not defined: not the core library?")
        return 1

    needed = undefined - defined
    from_provider = sorted(needed & provided)
    unexplained = sorted(s for s in needed - provided if not s.startswith(MBEDTLS_PREFIXES))
    print("from the port's mem*/str*: %s" % ", ".join(from_provider))
    print("from mbedTLS: %d symbols" % sum(1 for s in needed if s.startswith(MBEDTLS_PREFIXES)))
    if unexplained:
        print("needed from elsewhere (a C library or OS?): %s" % ", ".join(unexplained))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

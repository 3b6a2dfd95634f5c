#!/usr/bin/env python3
"""Flash of libdbtok_core.a (text + data of all its objects, as `size` counts them), or
of a linked firmware image, against a ceiling, and symbols a profile must have left out.

    check_core_size.py --size SIZE --nm NM --ceiling BYTES [--budget BYTES]
                       [--ram-ceiling BYTES] [--absent SYMBOL]... ARCHIVE|ELF

Fails when the archive exceeds --ceiling (the profile's size as last measured, so
that growth is a decision, not an accident) or defines an --absent symbol. Prints
--budget (the design issue's target) beside it with the gap, and the objects by size.
--ram-ceiling holds static RAM (data + bss, as `size` counts them) to a ceiling too.
"""

import argparse
import subprocess
import sys


def objects(size, archive):
    out = subprocess.run([size, archive], check=True, capture_output=True, text=True).stdout
    rows = []
    for line in out.splitlines()[1:]:
        cols = line.split()
        if len(cols) >= 6:
            rows.append((int(cols[0]) + int(cols[1]), int(cols[1]) + int(cols[2]), cols[5]))
    return rows


def defined(nm, archive):
    out = subprocess.run([nm, "--defined-only", "-g", archive], check=True, capture_output=True,
                         text=True).stdout
    return {cols[2] for cols in (line.split() for line in out.splitlines()) if len(cols) == 3}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", required=True)
    ap.add_argument("--nm", required=True)
    ap.add_argument("--ceiling", type=int, required=True)
    ap.add_argument("--budget", type=int)
    ap.add_argument("--ram-ceiling", type=int)
    ap.add_argument("--absent", action="append", default=[])
    ap.add_argument("archive")
    args = ap.parse_args()

    rows = objects(args.size, args.archive)
    total = sum(n for n, _, _ in rows)
    ram = sum(r for _, r, _ in rows)
    for n, _, name in sorted(rows, reverse=True):
        print(f"{n:7d}  {name}")
    print(f"{total:7d}  total (text + data), ceiling {args.ceiling}")
    if args.budget is not None:
        print(f"budget {args.budget}: {'within' if total <= args.budget else f'{total - args.budget} B over'}")
    failed = False
    if total > args.ceiling:
        print(f"FAIL: {total} B exceeds the ceiling of {args.ceiling} B")
        failed = True
    if args.ram_ceiling is not None:
        print(f"{ram:7d}  static RAM (data + bss), ceiling {args.ram_ceiling}")
        if ram > args.ram_ceiling:
            print(f"FAIL: {ram} B of static RAM exceeds the ceiling of {args.ram_ceiling} B")
            failed = True
    present = sorted(set(args.absent) & defined(args.nm, args.archive))
    if present:
        print("FAIL: left-out features still defined: " + ", ".join(present))
        failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

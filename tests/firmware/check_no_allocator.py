#!/usr/bin/env python3
"""The firmware links no allocator: no malloc, free, calloc, realloc, _sbrk or their
reentrant and aligned relatives, defined or referenced, in any of the given images.
mbedTLS's memory comes from the static arena; dbtok allocates nothing.

Usage: check_no_allocator.py --nm arm-none-eabi-nm IMAGE.elf...
"""
import argparse
import subprocess
import sys

FORBIDDEN = {
    "malloc", "free", "calloc", "realloc", "reallocf", "memalign", "aligned_alloc",
    "posix_memalign", "valloc", "pvalloc", "sbrk", "_sbrk", "_sbrk_r",
    "_malloc_r", "_free_r", "_calloc_r", "_realloc_r", "_memalign_r",
}
# Present in every image that really is the firmware: an empty or wrong file must fail.
EXPECTED = {"dbtok_token_create", "mbedtls_ssl_handshake", "mbedtls_memory_buffer_alloc_init"}


def symbols(nm, image):
    out = subprocess.run([nm, image], check=True, capture_output=True, text=True).stdout
    return {line.split()[-1] for line in out.splitlines() if line.strip()}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--nm", required=True)
    parser.add_argument("images", nargs="+")
    args = parser.parse_args()
    failed = False
    for image in args.images:
        names = symbols(args.nm, image)
        found = sorted(names & FORBIDDEN)
        missing = sorted(EXPECTED - names)
        if found:
            print("%s: allocator symbols linked: %s" % (image, ", ".join(found)))
            failed = True
        if missing:
            print("%s: not the firmware? missing %s" % (image, ", ".join(missing)))
            failed = True
        if not found and not missing:
            print("%s: %d symbols, no allocator" % (image, len(names)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

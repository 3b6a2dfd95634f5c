#!/usr/bin/env python3
"""The dbtok CLI under valgrind memcheck, against the emulator: create, list, delete and
list again, then the paths where cleanup is easiest to get wrong (an API error, -v
tracing of a chunked answer, a retried list, a list cut mid-stream, a create whose
answer is lost, a create whose value cannot be written and is revoked, output that is
masked and escaped, a refused certificate).

    python3 tests/integration/valgrind_cli.py --cli build/dbtok [--valgrind PATH]

Every run must end with the exit code the CLI promises and with memcheck reporting
nothing: no invalid read or write, no use of uninitialised memory, no definite leak
(--leak-check=full --errors-for-leak-kinds=definite; glibc's resolver keeps some
memory reachable, which is not a leak). Memcheck's exit code for its own errors is 99,
not 1, because 1 is the CLI's own "the service answered with an error".

A binary built with AddressSanitizer cannot run under valgrind: the test then exits 77,
which CTest reports as skipped when SKIP_RETURN_CODE is 77.
"""

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "emulator"))
sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree

from harness import Emulator  # noqa: E402

SKIP = 77
VALGRIND_ERROR = 99
OK, API_ERROR, TRANSPORT, UNKNOWN = 0, 1, 3, 4
CREATE = "/api/2.0/token/create"
LIST = "/api/2.0/token/list"


class Failure(Exception):
    pass


class Runner:
    def __init__(self, cli, valgrind, emu, scratch):
        self.cli = cli
        self.valgrind = valgrind
        self.emu = emu
        self.scratch = scratch
        self.count = 0

    def run(self, name, args, expect_rc, ca_file=None, stdout_path=None):
        """Runs `dbtok --host --token --ca-file ARGS` under memcheck; returns stdout
        (with stdout_path, stdout is that file instead, e.g. /dev/full)."""
        self.count += 1
        log = os.path.join(self.scratch, "memcheck-%02d.log" % self.count)
        argv = [self.valgrind, "--quiet", "--error-exitcode=%d" % VALGRIND_ERROR,
                "--leak-check=full", "--errors-for-leak-kinds=definite",
                "--show-leak-kinds=definite", "--track-origins=yes", "--log-file=" + log,
                self.cli, "--host", self.emu.url, "--token", self.emu.token,
                "--ca-file", ca_file or self.emu.ca_file,
                # The CLI's deadline is wall time; memcheck runs it some 20-50 times slower.
                "--timeout", "120"] + args
        # A scrubbed environment: the developer's ~/.databrickscfg and DATABRICKS_*
        # must not change what runs.
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.scratch}
        t0 = time.monotonic()
        out = open(stdout_path, "w") if stdout_path else subprocess.PIPE
        try:
            proc = subprocess.run(argv, env=env, cwd=self.scratch, stdin=subprocess.DEVNULL,
                                  stdout=out, stderr=subprocess.PIPE, text=True, timeout=600)
        finally:
            if stdout_path:
                out.close()
        if proc.stdout is None:
            proc.stdout = ""
        with open(log, encoding="utf-8", errors="replace") as f:
            report = f.read().strip()
        print("%-44s exit %d  %5.1f s" % (name, proc.returncode, time.monotonic() - t0))
        if proc.returncode == VALGRIND_ERROR or report:
            raise Failure("%s: memcheck reported errors\n  argv: %s\n%s\n  stderr: %s"
                          % (name, shlex.join(argv), report or "(no log)", proc.stderr[-2000:]))
        if proc.returncode != expect_rc:
            raise Failure("%s: exit %d, expected %d\n  argv: %s\n  stdout: %s\n  stderr: %s"
                          % (name, proc.returncode, expect_rc, shlex.join(argv),
                             proc.stdout[-2000:], proc.stderr[-2000:]))
        return proc.stdout


def flow(r, emu):
    out = r.run("create -o json", ["-o", "json", "create", "--comment", "valgrind",
                                   "--lifetime-seconds", "3600"], OK)
    token_id = json.loads(out)["token_info"]["token_id"]
    if [t["token_id"] for t in emu.state()["tokens"]] != [token_id]:
        raise Failure("the emulator does not hold exactly the created token")

    if token_id not in r.run("list", ["list"], OK):
        raise Failure("list does not show the created token")
    listed = json.loads(r.run("list -o json", ["-o", "json", "list"], OK))
    if [t["token_id"] for t in listed] != [token_id]:
        raise Failure("list -o json does not show exactly the created token")

    r.run("delete", ["delete", token_id], OK)
    if emu.state()["tokens"]:
        raise Failure("the token is still there after delete")
    if json.loads(r.run("list -o json (empty)", ["-o", "json", "list"], OK)) != []:
        raise Failure("list after delete is not empty")

    # Error and recovery paths: each frees and wipes on a different way out.
    r.run("delete again: 404", ["delete", token_id], API_ERROR)

    emu.fill(30)
    emu.faults([{"path": LIST, "kind": "chunked", "sizes": [1, 7, 300]}])
    r.run("-v list, chunked, 30 tokens", ["-v", "list"], OK)

    emu.faults([{"path": LIST, "kind": "reset_before"}])
    r.run("list reset, retried", ["list"], OK)

    # Entries were already handed out when the answer broke: no retry, an error.
    emu.faults([{"path": LIST, "kind": "truncate"}])
    r.run("list cut mid-stream", ["list"], TRANSPORT)

    emu.faults([{"path": CREATE, "kind": "reset_after"}])
    r.run("create, answer lost", ["create", "--comment", "lost"], UNKNOWN)

    # A value that cannot be written is revoked over the same client (issue 10).
    before = len(emu.state()["revoked"])
    r.run("create to /dev/full: revoked", ["create", "--comment", "undelivered"], TRANSPORT,
          stdout_path="/dev/full")
    if len(emu.state()["revoked"]) != before + 1:
        raise Failure("the undelivered token was not revoked")
    # Masking and escaping of every field printed, in both formats.
    r.run("create, comment to mask and escape",
          ["create", "--comment", emu.token + " \x1b[2J \u202e"], OK)
    r.run("list, masked and escaped", ["list"], OK)
    r.run("list -o json, masked and escaped", ["-o", "json", "list"], OK)

    # Another emulator's CA: the same kind of certificate, not the one that signed.
    wrong_ca = os.path.join(r.scratch, "not-the-ca.pem")
    with Emulator() as other:
        shutil.copyfile(other.ca_file, wrong_ca)
    r.run("untrusted certificate", ["list"], TRANSPORT, ca_file=wrong_ca)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--cli", default=os.environ.get("DBTOK_CLI"), required="DBTOK_CLI" not in os.environ)
    p.add_argument("--valgrind", default=shutil.which("valgrind"))
    args = p.parse_args()

    cli = os.path.abspath(args.cli)
    with open(cli, "rb") as f:
        if b"__asan_init" in f.read():
            print("valgrind_cli: %s is built with AddressSanitizer; skipped" % cli)
            return SKIP
    if not args.valgrind:
        print("valgrind_cli: valgrind not found (scripts/install-deps installs it)", file=sys.stderr)
        return 1

    scratch = tempfile.mkdtemp(prefix="dbtok-valgrind-")
    try:
        with Emulator() as emu:
            r = Runner(cli, args.valgrind, emu, scratch)
            try:
                flow(r, emu)
            except Failure as e:
                print("FAIL " + str(e), file=sys.stderr)
                return 1
        print("valgrind_cli: %d runs of %s, memcheck clean" % (r.count, cli))
        return 0
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

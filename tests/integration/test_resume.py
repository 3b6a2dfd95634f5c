#!/usr/bin/env python3
"""TLS session resumption (DBTOK_ENABLE_SESSION_RESUMPTION 1) over real TLS: the core,
mbedTLS and the POSIX port in resume_client.c, against the emulator.

- Two lists with the server closing the connection after the first (an idle close):
  the second connection resumes, with TLS 1.3 (a ticket) and TLS 1.2 (session id or
  ticket): two handshakes, one of them resumed.
- A session saved by one client lifetime and loaded by the next resumes at once.
- A session saved for one host is refused for another (same server, same port) and
  nothing is offered: a full handshake.
- Every run also checks, in the client, what save and load refuse (NULL arguments, no
  session, buffers too small, cut or spoilt bytes, another port) and the sizes a save
  reports.

Usage: test_resume.py --client PATH/TO/resume_client
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "emulator"))
from harness import Emulator  # noqa: E402

CLIENT = None
LINE = re.compile(r"load=(-?\d+) calls=(-?\d+) handshakes=(\d+) resumptions=(\d+) save=(-?\d+) refusals=(\d+)$")
INVALID_ARG = None  # read from the first run's refused load


def run(emu, calls, host="localhost", load="-", save=None):
    args = [CLIENT, host, str(emu.port), emu.ca_file, emu.token, str(calls), load]
    if save:
        args.append(save)
    r = subprocess.run(args, capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError("resume_client exited %d: %s" % (r.returncode, r.stderr))
    m = LINE.match(r.stdout.strip())
    if m is None:
        raise AssertionError("unexpected output: %r" % r.stdout)
    r = dict(zip(("load", "calls", "handshakes", "resumptions", "save", "refusals"), (int(v) for v in m.groups())))
    if r["refusals"] != 0:
        raise AssertionError("%d of the API's refusals did not hold (resume_client.c, check_refusals)"
                             % r["refusals"])
    return r


class Resumption(unittest.TestCase):
    def check_idle_close(self, tls):
        with Emulator(extra_args=["--tls-min", tls, "--tls-max", tls]) as emu:
            # Connection: close on the first answer: the reconnect is certain, not a race with the FIN.
            emu.faults([{"path": "*", "kind": "close", "times": 1}])
            r = run(emu, 2)
            self.assertEqual(r["calls"], 0, r)
            self.assertEqual((r["handshakes"], r["resumptions"]), (2, 1), r)

    def test_idle_close_resumes_tls13(self):
        self.check_idle_close("1.3")

    def test_idle_close_resumes_tls12(self):
        self.check_idle_close("1.2")

    def test_no_close_no_second_handshake(self):
        with Emulator() as emu:
            r = run(emu, 3)
            self.assertEqual((r["calls"], r["handshakes"], r["resumptions"]), (0, 1, 0), r)

    def test_saved_session_resumes_next_lifetime(self):
        for tls in ("1.3", "1.2"):
            with self.subTest(tls=tls), Emulator(extra_args=["--tls-min", tls, "--tls-max", tls]) as emu, \
                    tempfile.TemporaryDirectory() as d:
                path = os.path.join(d, "session")
                first = run(emu, 1, save=path)
                self.assertEqual((first["calls"], first["save"], first["resumptions"]), (0, 0, 0), first)
                with open(path, "rb") as f:
                    blob = f.read()
                self.assertNotIn(emu.token.encode(), blob)
                second = run(emu, 1, load=path)
                self.assertEqual((second["load"], second["calls"]), (0, 0), second)
                self.assertEqual((second["handshakes"], second["resumptions"]), (1, 1), second)

    def test_session_of_another_host_is_not_offered(self):
        for tls in ("1.3", "1.2"):
            with self.subTest(tls=tls), Emulator(extra_args=["--tls-min", tls, "--tls-max", tls]) as emu, \
                    tempfile.TemporaryDirectory() as d:
                path = os.path.join(d, "session")
                self.assertEqual(run(emu, 1, save=path)["save"], 0)
                other = run(emu, 1, host="127.0.0.1", load=path)
                self.assertNotEqual(other["load"], 0, other)
                self.assertEqual((other["calls"], other["handshakes"], other["resumptions"]), (0, 1, 0), other)
                # The same bytes still resume where they were made.
                again = run(emu, 1, load=path)
                self.assertEqual((again["load"], again["resumptions"]), (0, 1), again)


def main():
    global CLIENT
    p = argparse.ArgumentParser()
    p.add_argument("--client", required=True)
    args, rest = p.parse_known_args()
    CLIENT = args.client
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()

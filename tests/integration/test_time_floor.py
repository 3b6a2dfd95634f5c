#!/usr/bin/env python3
"""Certificate dates without a real-time clock, over real TLS: the core, mbedTLS and
the POSIX port with unix_time set to NULL (trusted_time_client.c), against the emulator
with certificates made at test time (tests/emulator/gen-certs).

- config.time_floor_s alone refuses a certificate that expired before it, and accepts
  one that expires at it; with no floor the same certificate is not refused for its date
  (nothing tells the client the time).
- notBefore is not checked against the floor, which is only a lower bound on the present.
- The service's Date raises the client's time (dbtok_trusted_time_s), except when it is
  past the end of the server certificate that carried it; carried to the next boot as its floor,
  it refuses a certificate that had expired before.

Usage: test_time_floor.py --client PATH/TO/trusted_time_client
"""
import argparse
import os
import re
import ssl
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "emulator"))
from harness import Emulator  # noqa: E402

CLIENT = None
LIST = "/api/2.0/token/list"
LINE = re.compile(r"boot=(\d+) floor=(-?\d+) err=(-?\d+) cert_verify=([01]) expired=([01]) future=([01]) "
                  r"requests=(\d+) trusted=(-?\d+)$")


def boots(token, floor, *servers):
    """Runs the client over servers (Emulators), one boot each; returns a dict per boot."""
    args = [CLIENT, token, str(floor)]
    for emu in servers:
        args += [str(emu.port), emu.ca_file]
    r = subprocess.run(args, capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        raise AssertionError("trusted_time_client exited %d: %s" % (r.returncode, r.stderr))
    result = []
    for line in r.stdout.splitlines():
        m = LINE.match(line)
        if m is None:
            raise AssertionError("unexpected output: %r" % line)
        keys = ("boot", "floor", "err", "cert_verify", "expired", "future", "requests", "trusted")
        result.append(dict(zip(keys, (int(v) for v in m.groups()))))
    if len(result) != len(servers):
        raise AssertionError("%d boots for %d servers: %r" % (len(result), len(servers), r.stdout))
    return result


def not_after(emu):
    """The server certificate's notAfter, Unix seconds."""
    out = subprocess.run(["openssl", "x509", "-in", os.path.join(emu.dir, "server.pem"), "-noout", "-enddate"],
                         capture_output=True, text=True, check=True).stdout.strip()
    return int(ssl.cert_time_to_seconds(out.split("=", 1)[1]))


class TimeFloor(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        checks = subprocess.run([CLIENT, "--mbedtls-checks-dates"], capture_output=True, text=True,
                                check=True).stdout.strip()
        if checks != "0":
            raise unittest.SkipTest("this mbedTLS checks certificate dates against the system clock itself "
                                    "(MBEDTLS_HAVE_TIME_DATE): a client without a clock cannot be shown")

    def assert_refused_expired(self, b, emu):
        self.assertEqual((b["cert_verify"], b["expired"], b["future"], b["requests"]), (1, 1, 0, 0), b)
        self.assertEqual(emu.state()["requests"], {}, "nothing may be sent to a refused server")

    def assert_accepted(self, b, emu):
        self.assertEqual((b["err"], b["cert_verify"], b["requests"]), (0, 0, 1), b)
        self.assertEqual(emu.state()["requests"], {LIST: 1})

    def test_expired_refused_by_the_floor_alone(self):
        with Emulator(validity="expired") as emu:
            (b,) = boots(emu.token, int(time.time()), emu)
            self.assert_refused_expired(b, emu)

    def test_expired_not_refused_without_a_floor(self):
        with Emulator(validity="expired") as emu:
            (b,) = boots(emu.token, 0, emu)
            self.assert_accepted(b, emu)
            # The emulator's Date is past the end of its own certificate: not believed.
            self.assertEqual(b["trusted"], 0, b)

    def test_floor_at_not_after(self):
        with Emulator(validity="expired") as emu:
            end = not_after(emu)
            (at,) = boots(emu.token, end, emu)
            self.assert_accepted(at, emu)
            emu.reset()
            (past,) = boots(emu.token, end + 1, emu)
            self.assert_refused_expired(past, emu)

    def test_not_yet_valid_accepted_with_a_floor(self):
        # A floor says the present is at least this late, not how late: a certificate
        # that starts after it may be valid already, and only a clock can say otherwise.
        with Emulator(validity="future") as emu:
            (b,) = boots(emu.token, int(time.time()), emu)
            self.assert_accepted(b, emu)

    def test_current_accepted_with_a_floor(self):
        with Emulator() as emu:
            (b,) = boots(emu.token, int(time.time()), emu)
            self.assert_accepted(b, emu)

    def test_learned_date_refuses_expired_at_next_boot(self):
        with Emulator() as current, Emulator(validity="expired") as expired:
            before = int(time.time())
            first, second = boots(current.token, 0, current, expired)
            after = int(time.time())
            self.assert_accepted(first, current)
            # The emulator's Date, in whole seconds, plus the whole seconds run since.
            self.assertGreaterEqual(first["trusted"], before, first)
            self.assertLessEqual(first["trusted"], after, first)
            self.assertEqual(second["floor"], first["trusted"], second)
            self.assert_refused_expired(second, expired)

    def test_negative_floor_refused_at_init(self):
        with Emulator() as emu:
            (b,) = boots(emu.token, -1, emu)
            self.assertEqual((b["err"], b["requests"]), (-1, 0), b)  # DBTOK_ERR_INVALID_ARG
            self.assertEqual(emu.state()["requests"], {})


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--client", required=True)
    args, rest = parser.parse_known_args()
    CLIENT = os.path.abspath(args.client)
    unittest.main(argv=[sys.argv[0]] + rest)

#!/usr/bin/env python3
"""The provisioning firmware, booted in QEMU with UART0 wired to the Token API emulator.

It must create a token, find it, revoke it and see it gone, on one TCP connection and
one TLS handshake, with TLS 1.3 and 1.2, with ECDSA and RSA certificates, with a list
long enough for full-size TLS records and after a 503 that asks it to wait; and it must
refuse a certificate that is expired, not yet valid or for another name, before any
request is sent. The firmware's exit code says which step failed (firmware.h).

In the minimal profile (--minimal: no retries, no error texts) the 503 is the answer,
after one request, and a refusal is told by its number alone.

With --ethernet (dbtok_fw_eth.elf) the same flows run over the board's LAN9118, lwIP and
QEMU's closed user-mode network (qemu_run.py), after a DHCP lease; and then what only a
network link can do: a list of 600 tokens, a reconnect after the server closed the idle
connection, and the link's own refusals (a name not in its table, a connection reset
before the handshake).

Usage: test_firmware.py --qemu PATH --cpu cortex-m3 --elf dbtok_fw.elf [--minimal] [--ethernet]
                        [unittest args]
"""
import argparse
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "emulator"))
sys.path.insert(0, HERE)
from harness import Emulator  # noqa: E402
import qemu_run  # noqa: E402

ELF = CPU = None
MINIMAL = ETHERNET = False

EXIT_OK, EXIT_CA_FILE, EXIT_INIT, EXIT_CREATE = 0, 11, 13, 20
ERR_DNS, ERR_CERT_VERIFY, ERR_TIMEOUT, ERR_API = -3, -6, -7, -13  # dbtok_err, as the firmware prints it
CREATE, LIST, DELETE = "/api/2.0/token/create", "/api/2.0/token/list", "/api/2.0/token/delete"
# MBEDTLS_X509_BADCERT_* flags the firmware prints as cert-flags.
EXPIRED, CN_MISMATCH, FUTURE = 0x01, 0x04, 0x200
YEAR = 365 * 86400


class FirmwareTest(unittest.TestCase):
    emulator_options = {}

    @classmethod
    def setUpClass(cls):
        cls.emu = Emulator(**cls.emulator_options).__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.emu.__exit__(None, None, None)

    def setUp(self):
        self.emu.reset()

    def boot(self, **options):
        run = qemu_run.run(ELF, CPU, self.emu, ethernet=ETHERNET, **options)
        self.assertFalse(run.timed_out, "QEMU did not finish:\n" + run.output)
        return run

    def assert_whole_flow(self, tls_version, others=0, connections=1, **options):
        run = self.boot(**options)
        self.assertEqual(run.returncode, EXIT_OK, run.output)
        if ETHERNET:
            # QEMU's DHCP server hands out its first address: the lease was taken.
            self.assertIn("dbtok-fw: address %s\n" % qemu_run.DHCP_START, run.output)
        created = [line.split()[2] for line in run.output.splitlines()
                   if line.startswith("dbtok-fw: created ")]
        self.assertEqual(len(created), 1, run.output)
        self.assertEqual(run.values("stats")["connects"], connections, run.output)

        state = self.emu.state()
        self.assertEqual(state["connections"], connections)
        self.assertEqual(state["handshakes"], connections)
        self.assertEqual(state["tls_versions"], {tls_version: connections})
        self.assertEqual(state["requests"], {CREATE: 1, LIST: 2, DELETE: 1})
        self.assertEqual(state["revoked"], created)
        self.assertEqual(len(state["tokens"]), others)
        create = [r for r in state["request_log"] if r["path"] == CREATE][0]
        self.assertEqual(create["status"], 200)
        self.assertIn('"comment":"dbtok firmware mps2-an385"', create["body"])
        self.assertIn('"lifetime_seconds":3600', create["body"])

    def assert_refused(self, flag, **options):
        run = self.boot(**options)
        self.assertEqual(run.returncode, EXIT_CREATE, run.output)
        self.assertIn("(err %d," % ERR_CERT_VERIFY, run.output)
        if not MINIMAL:
            self.assertIn("server certificate not trusted", run.output)
        flags = int(run.output.split("cert-flags ")[1].split(")")[0])
        self.assertTrue(flags & flag, run.output)
        state = self.emu.state()
        self.assertEqual(state["requests"], {})
        self.assertEqual(state["tokens"], [])


class Tls13Ecdsa(FirmwareTest):
    def test_create_list_revoke_on_one_session(self):
        self.assert_whole_flow("TLSv1.3")

    def test_list_in_full_size_records(self):
        # 40 other tokens make a list of about 20 KB: at least one 16 KiB record, which
        # must be decrypted within the arena, and a list read through the work buffer.
        self.emu.fill(40)
        self.assert_whole_flow("TLSv1.3", others=40)

    def test_retry_after_503(self):
        # The service asks to come back in a second: the port's sleep_ms waits, and the
        # create goes out again on the same session.
        self.emu.faults([{"path": CREATE, "kind": "status", "status": 503, "retry_after": "1"}])
        run = self.boot()
        state = self.emu.state()
        if MINIMAL:
            # Without retries the 503 is the answer: one request, no token.
            self.assertEqual(run.returncode, EXIT_CREATE, run.output)
            self.assertIn("(err %d, http 503," % ERR_API, run.output)
            self.assertEqual(state["requests"], {CREATE: 1})
            self.assertEqual(state["tokens"], [])
            return
        self.assertEqual(run.returncode, EXIT_OK, run.output)
        self.assertGreaterEqual(run.values("stats")["flow-ms"], 1000, run.output)
        self.assertEqual(state["requests"][CREATE], 2)
        self.assertEqual(state["handshakes"], 1)
        self.assertEqual(state["tokens"], [])

    def test_expired_certificate_is_refused(self):
        self.assert_refused(EXPIRED, extra_args=["--clock-offset=%d" % (2 * YEAR)])

    def test_not_yet_valid_certificate_is_refused(self):
        self.assert_refused(FUTURE, extra_args=["--clock-offset=-86400"])

    def test_other_host_name_is_refused(self):
        self.assert_refused(CN_MISMATCH, host="workspace.example.com")

    def test_pem_ca_is_refused(self):
        # The device profile reads DER trust anchors only (no PEM code in the image).
        run = self.boot(ca_file=self.emu.ca_file)
        self.assertEqual(run.returncode, EXIT_INIT, run.output)
        self.assertEqual(self.emu.state()["handshakes"], 0)

    def test_unreadable_ca_file(self):
        run = self.boot(ca_file="/nonexistent/ca.pem")
        self.assertEqual(run.returncode, EXIT_CA_FILE, run.output)
        self.assertEqual(self.emu.state()["handshakes"], 0)


class Tls12Ecdsa(FirmwareTest):
    emulator_options = {"extra_args": ["--tls-max", "1.2"]}

    def test_create_list_revoke_on_one_session(self):
        self.assert_whole_flow("TLSv1.2")


class Tls13Rsa(FirmwareTest):
    emulator_options = {"rsa": True}

    def test_create_list_revoke_on_one_session(self):
        self.assert_whole_flow("TLSv1.3")


class Tls12Rsa(FirmwareTest):
    # A TLS 1.2-only server with an RSA certificate signs its key exchange with RSA-PSS,
    # which mbedTLS 3.6.6 refused (upstream issue 10668): the first handshake must do.
    emulator_options = {"rsa": True, "extra_args": ["--tls-max", "1.2"]}

    def test_create_list_revoke_on_one_session(self):
        self.assert_whole_flow("TLSv1.2")
        self.assertEqual(self.emu.state()["handshake_failures"], 0)


@unittest.skipUnless(ETHERNET or "--ethernet" in sys.argv, "needs a network link (--ethernet)")
class Ethernet(FirmwareTest):
    def test_list_of_600_tokens(self):
        # The service's most per user: the new token and 599 others, about 300 KB of
        # list in full-size records through lwIP's window and the work buffer.
        self.emu.fill(599)
        self.assert_whole_flow("TLSv1.3", others=599)

    def test_reconnect_after_idle_close(self):
        # The server closes the idle connection after the first list's answer with a bare
        # FIN (no close_notify: only TCP says so): the link must report the close, so that
        # the revoke opens a second connection. Sent on the closed one, it would fail (a
        # revoke that went out is not sent again). The connection idles a second between
        # calls, as a device's does, so that the FIN is there before the revoke.
        self.emu.faults([{"path": LIST, "kind": "close_after", "close_notify": False}])
        self.assert_whole_flow("TLSv1.3", connections=2, extra_args=["--idle-ms=1000"])

    def test_reconnect_after_close_notify(self):
        # The same close announced by TLS (close_notify, then FIN).
        self.emu.faults([{"path": CREATE, "kind": "close_after"}])
        self.assert_whole_flow("TLSv1.3", connections=2)

    def test_name_not_in_the_host_table(self):
        run = self.boot(resolve=False)
        self.assertEqual(run.returncode, EXIT_CREATE, run.output)
        self.assertIn("(err %d," % ERR_DNS, run.output)
        self.assertEqual(self.emu.state()["connections"], 0)

    def test_unreachable_server_times_out(self):
        # restrict=on drops a connection to anything but the forwarded address: the
        # link's connect ends at the call's deadline (2 s of the board's clock).
        run = self.boot(resolve=False, extra_args=["--resolve=localhost=192.0.2.101", "--timeout=2"])
        self.assertEqual(run.returncode, EXIT_CREATE, run.output)
        self.assertIn("(err %d," % ERR_TIMEOUT, run.output)
        self.assertGreaterEqual(run.values("stats")["flow-ms"], 2000, run.output)
        self.assertEqual(self.emu.state()["connections"], 0)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--qemu", required=True)
    parser.add_argument("--cpu", required=True, choices=sorted(qemu_run.MACHINES))
    parser.add_argument("--elf", required=True)
    parser.add_argument("--minimal", action="store_true")
    parser.add_argument("--ethernet", action="store_true")
    args, rest = parser.parse_known_args()
    if not os.path.isfile(args.qemu):
        sys.exit("qemu-system-arm not found (%s): scripts/install-deps qemu-system-arm" % args.qemu)
    qemu_run.QEMU = args.qemu
    ELF, CPU, MINIMAL, ETHERNET = os.path.abspath(args.elf), args.cpu, args.minimal, args.ethernet
    unittest.main(argv=[sys.argv[0]] + rest)

#!/usr/bin/env python3
"""The provisioning firmware (dbtok_fw_provision.elf), booted in QEMU against the Token API
emulator, its flash a host file: what each kind of boot does and leaves.

- A new device makes its own token with the bootstrap credential (a PAT, or OAuth client
  credentials): a comment naming it, the lifetime and scopes asked for; the token is kept
  in flash, the bootstrap credential never.
- A later boot uses its stored token (a list) with no bootstrap credential, and keeps the
  time it learnt from the service; it rotates once the token expires within
  --rotate-below (the old token revoked, the new one kept).
- A refused token is replaced with the bootstrap credential when one is given; without
  one, or with no token and no bootstrap credential, the boot fails and changes nothing.
- The demo mode stays in the image (create, list, revoke, list).
- A slot torn between boots is passed over for the other one.

With --ethernet (dbtok_fw_provision_eth.elf) the same boots run over the board's
LAN9118, lwIP and QEMU's closed user-mode network (qemu_run.py, device.py), after a DHCP
lease, each TLS session a TCP connection of its own (a refused token's replacement is a
second one in the same boot); and what only a network link shows: a create whose answer
is cut off by the server's close, recovered on connections of their own.

Usage: test_provision.py --qemu PATH --cpu cortex-m3 --elf dbtok_fw_provision.elf
                         [--no-oauth] [--no-scopes] [--ethernet] [unittest args]
"""
import argparse
import json
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "emulator"))
sys.path.insert(0, HERE)
from harness import Emulator  # noqa: E402
import device  # noqa: E402
import qemu_run  # noqa: E402

ELF = CPU = None
OAUTH = SCOPES = True
ETHERNET = False
NAME = "sn-4711.a_b"
MARKER = "[dbtok-device:%s]" % NAME
CREATE, LIST, DELETE = "/api/2.0/token/create", "/api/2.0/token/list", "/api/2.0/token/delete"
OIDC = "/oidc/v1/token"
EXIT_NO_CREDENTIAL, EXIT_ROTATE, EXIT_REFUSED = 61, 64, 65
ERR_INVALID_ARG = -1
DAY = 86400
LIFETIME = ["--lifetime=%d" % (30 * DAY)]
NOT_DUE = LIFETIME + ["--rotate-below=%d" % DAY]
DUE = LIFETIME + ["--rotate-below=%d" % (31 * DAY)]
OAUTH_ID, OAUTH_SECRET = "emu-client-id", "emu-client-secret"


def ethernet_only(test):
    """What only a network link shows: skipped over UART0."""
    test.ethernet_only = True
    return test


class Provisioning(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = Emulator().__enter__()
        cls.dev = device.Device(ELF, CPU, cls.emu, NAME, ethernet=ETHERNET)

    @classmethod
    def tearDownClass(cls):
        cls.emu.__exit__(None, None, None)

    def setUp(self):
        if not ETHERNET and getattr(getattr(self, self._testMethodName), "ethernet_only", False):
            self.skipTest("needs a network link (--ethernet)")
        self.emu.reset()
        self.dev.erase()

    def boot(self, bootstrap, extra, code=0):
        boot = self.dev.boot(bootstrap, extra)
        self.assertEqual(boot.returncode, code, boot.output)
        if ETHERNET and boot.values("stats")["connects"] > 0:
            # QEMU's DHCP server hands out its first address: the lease was taken.
            self.assertIn("dbtok-fw: address %s\n" % qemu_run.DHCP_START, boot.output)
        self.assertNotIn(self.emu.token.encode(), self.dev.flash_bytes())
        self.assertNotIn(OAUTH_SECRET.encode(), self.dev.flash_bytes())
        return boot

    def requests(self):
        return [(r["path"], r["auth_kind"]) for r in self.emu.state()["request_log"]]

    def tokens(self):
        """The device's tokens on the service."""
        return [t for t in self.emu.state()["tokens"] if MARKER in (t["comment"] or "")]

    def kept(self):
        records = self.dev.records()
        self.assertTrue(records)
        return records[0]

    def assert_one_token_kept(self):
        kept = self.kept()
        tokens = self.tokens()
        self.assertEqual([t["token_id"] for t in tokens], [kept.token_id])
        self.assertEqual(tokens[0]["token_value"], kept.value)
        self.assertEqual((kept.retire_id, kept.sweep), ("", False))
        return kept

    def provision(self):
        boot = self.boot(self.emu.token, NOT_DUE)
        self.assertEqual(boot.result()["action"], "provisioned", boot.output)
        return self.assert_one_token_kept()

    def test_first_boot_makes_and_keeps_its_own_token(self):
        extra = NOT_DUE + (["--scope=sql", "--scope=unity-catalog"] if SCOPES else [])
        boot = self.boot(self.emu.token, extra)
        result = boot.result()
        kept = self.assert_one_token_kept()
        self.assertEqual((result["status"], result["action"], result["token-id"]), ("ok", "provisioned", kept.token_id))
        self.assertEqual(self.requests(), [(CREATE, "pat"), (LIST, "pat")])
        token = self.tokens()[0]
        self.assertTrue(token["comment"].startswith("dbtok firmware mps2-an385 " + MARKER), token["comment"])
        create = json.loads(self.emu.state()["request_log"][0]["body"])
        self.assertEqual(create["lifetime_seconds"], 30 * DAY)
        self.assertEqual(token["scopes"], ["sql", "unity-catalog"] if SCOPES else [])
        self.assertEqual(kept.expiry_ms, token["expiry_time"])
        # The secret never on the semihosting output; the id is.
        self.assertNotIn(kept.value, boot.output)
        self.assertNotIn(self.emu.token, boot.output)

    def test_later_boot_uses_the_stored_token(self):
        kept = self.provision()
        boot = self.boot(None, NOT_DUE)
        self.assertEqual(boot.result()["action"], "used", boot.output)
        self.assertEqual(self.requests()[2:], [(LIST, "pat")])
        self.assertEqual(self.kept().value, kept.value)
        # The time kept is the one learnt a moment ago: no flash write for it.
        self.assertEqual(boot.pages, [])

    def test_time_learnt_is_kept_once_a_day_ahead(self):
        self.provision()
        stale = self.kept()
        stale.floor_s -= 2 * DAY
        device.write_record(self.dev.flash, stale)
        before = time.time()
        boot = self.boot(None, NOT_DUE)
        self.assertEqual(boot.result()["action"], "used", boot.output)
        self.assertEqual(len(boot.pages), 2)  # one record
        kept = self.kept()
        self.assertEqual((kept.value, kept.seq), (stale.value, stale.seq + 1))
        # From the service's Date (the device has no clock), for the next boot's floor.
        self.assertGreaterEqual(kept.floor_s, int(before) - 1)
        self.assertEqual(int(boot.result()["floor"]), kept.floor_s)

    def test_rotates_when_due(self):
        old = self.provision()
        other = self.emu.fill(1, comment_size=20)  # not the device's: left alone
        boot = self.boot(None, DUE)
        self.assertEqual(boot.result()["action"], "rotated", boot.output)
        new = self.assert_one_token_kept()
        self.assertNotEqual(new.value, old.value)
        self.assertEqual(self.emu.state()["revoked"], [old.token_id])
        self.assertIn(other[0], [t["token_id"] for t in self.emu.state()["tokens"]])
        self.assertIn(MARKER, self.tokens()[0]["comment"])
        self.assertEqual([p for p, _ in self.requests()[2:]], [LIST, CREATE, LIST, DELETE])
        # Not due: nothing changes.
        boot = self.boot(None, NOT_DUE)
        self.assertEqual(boot.result()["action"], "used", boot.output)
        self.assertEqual(self.kept().value, new.value)

    def test_refused_token_is_replaced_with_the_bootstrap_credential(self):
        old = self.provision()
        self.emu.reset()  # the service no longer knows the device's token
        boot = self.boot(self.emu.token, NOT_DUE)
        self.assertEqual(boot.result()["action"], "reprovisioned", boot.output)
        new = self.assert_one_token_kept()
        self.assertNotEqual(new.token_id, old.token_id)
        # The client closed and started again with the bootstrap credential: a second
        # session (over UART0 the bridge redials for it, over Ethernet a new connection).
        self.assertEqual(self.emu.state()["handshakes"], 2)

    @ethernet_only
    def test_lost_create_answer_is_recovered(self):
        # The server cuts the create's answer off half-way and closes (a bare FIN): the
        # token exists, the device never sees its value. Over a network link the close
        # ends the read; the recovery finds the orphan by its marker and revokes it, each
        # request on a connection of its own (a late answer on the old one could be taken
        # for the next), and creates again. (Over UART0 the power-cut matrix's "in answer"
        # cuts are this case.)
        self.emu.faults([{"path": CREATE, "kind": "truncate"}])
        boot = self.boot(self.emu.token, NOT_DUE)
        self.assertEqual(boot.result()["action"], "provisioned", boot.output)
        kept = self.assert_one_token_kept()
        state = self.emu.state()
        self.assertEqual([p for p, _ in self.requests()], [CREATE, LIST, DELETE, LIST, CREATE, LIST])
        self.assertEqual(len(state["revoked"]), 1)
        self.assertNotEqual(state["revoked"][0], kept.token_id)
        self.assertEqual((state["connections"], state["handshakes"]), (5, 5))
        self.assertNotIn(self.emu.token, boot.output)
        # What it kept works on the next boot, with no bootstrap credential.
        boot = self.boot(None, NOT_DUE)
        self.assertEqual(boot.result()["action"], "used", boot.output)
        self.assertEqual(self.assert_one_token_kept().value, kept.value)

    def test_refused_token_without_bootstrap_changes_nothing(self):
        old = self.provision()
        self.emu.reset()
        boot = self.boot(None, NOT_DUE, code=EXIT_REFUSED)
        self.assertEqual(boot.result()["status"], "fail", boot.output)
        self.assertEqual(self.kept().value, old.value)
        self.assertEqual(self.tokens(), [])

    def test_no_token_and_no_bootstrap(self):
        boot = self.boot(None, NOT_DUE, code=EXIT_NO_CREDENTIAL)
        self.assertEqual(boot.result()["step"], "credential", boot.output)
        self.assertEqual(self.emu.state()["requests"], {})
        self.assertEqual(self.dev.records(), [])

    def test_torn_newest_slot_falls_back_to_the_other(self):
        self.provision()
        rotated = self.boot(None, DUE)
        new = self.assert_one_token_kept()
        # Tear the slot the rotation wrote last: the one before holds the new token
        # with the old one to retire (already revoked: gone is as good).
        device.tear_page(self.dev.flash, rotated.pages[-2][1])
        self.assertEqual((self.kept().value, bool(self.kept().retire_id)), (new.value, True))
        boot = self.boot(None, NOT_DUE)
        self.assertEqual(boot.result()["action"], "used", boot.output)
        self.assertEqual(self.assert_one_token_kept().value, new.value)

    def test_oauth_bootstrap(self):
        if not OAUTH:
            self.skipTest("the profile has no OAuth M2M")
        boot = self.boot(OAUTH_SECRET, NOT_DUE + ["--client-id=" + OAUTH_ID])
        self.assertEqual(boot.result()["action"], "provisioned", boot.output)
        self.assert_one_token_kept()
        # The service principal's access token makes the token; the token proves itself.
        self.assertEqual(self.requests(), [(OIDC, "basic"), (CREATE, "oauth"), (LIST, "pat")])
        self.assertNotIn(OAUTH_ID.encode(), self.dev.flash_bytes())
        self.assertNotIn(OAUTH_SECRET, boot.output)

    def test_bad_device_name_is_refused(self):
        # The name goes into the marker the device's tokens are swept by.
        dev = device.Device(ELF, CPU, self.emu, "bad/name", workdir=self.dev.dir, ethernet=ETHERNET)
        boot = dev.boot(self.emu.token, NOT_DUE)
        self.assertEqual(boot.returncode, EXIT_ROTATE, boot.output)
        self.assertEqual(boot.result()["err"], str(ERR_INVALID_ARG), boot.output)
        self.assertEqual(self.emu.state()["requests"], {})
        self.assertEqual(dev.records(), [])

    def test_demo_mode_still_there(self):
        run = qemu_run.run(ELF, CPU, self.emu, ethernet=ETHERNET)
        self.assertEqual(run.returncode, 0, run.output)
        self.assertEqual(self.emu.state()["requests"], {CREATE: 1, LIST: 2, DELETE: 1})


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--qemu", required=True)
    parser.add_argument("--cpu", required=True, choices=sorted(qemu_run.MACHINES))
    parser.add_argument("--elf", required=True)
    parser.add_argument("--no-oauth", action="store_true")
    parser.add_argument("--no-scopes", action="store_true")
    parser.add_argument("--ethernet", action="store_true")
    args, rest = parser.parse_known_args()
    if not os.path.isfile(args.qemu):
        sys.exit("qemu-system-arm not found (%s): scripts/install-deps qemu-system-arm" % args.qemu)
    qemu_run.QEMU = args.qemu
    ELF, CPU = os.path.abspath(args.elf), args.cpu
    OAUTH, SCOPES, ETHERNET = not args.no_oauth, not args.no_scopes, args.ethernet
    unittest.main(argv=[sys.argv[0]] + rest)

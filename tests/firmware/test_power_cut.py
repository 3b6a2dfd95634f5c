#!/usr/bin/env python3
"""The power-cut matrix: the provisioning firmware (dbtok_fw_provision.elf) loses its power
(QEMU killed) at every point of a first provisioning and of a rotation where a cut can
change what is left, and boots again.

Cut points, each learnt from an uncut reference boot of the same flow:
- after each flash page write (the flash driver's gate holds the firmware after each
  one until the test lets it go on, so the cut lands exactly there), and the same with
  the page torn (all but its first 16 bytes erased: the program itself was cut) for the
  first page of a slot, the one that holds the record;
- in the middle of each request (half of its TLS record sent: the service never sees
  it), right after each request (all of it sent, no answer: the service acts on it), and
  in the middle of each answer (an emulator "truncate" fault on that request: half the
  answer delivered, then the power goes). UART0 reaches the emulator through a bridge
  (device.py) that counts the device's TLS records and cuts there.

After every cut the device's newest stored record must hold no token or one that works
(a device that had a working token before the cut must still have one), and the bootstrap
credential must not be in the flash. Then the device boots again, with the bootstrap
credential only when it has no token of its own stored, and must end with exactly one
working token stored, no rotation left to finish, and the emulator holding no token of
this device ("[dbtok-device:NAME]" in its comment) but that one.

The matrix is printed (one line per cut point: what the cut left, what the next boot
did) with the number of cut points.

Usage: test_power_cut.py --qemu PATH --cpu cortex-m3 --elf dbtok_fw_provision.elf [unittest args]
"""
import argparse
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "emulator"))
sys.path.insert(0, HERE)
from harness import Emulator  # noqa: E402
import device  # noqa: E402
import qemu_run  # noqa: E402

ELF = CPU = None
NAME = "cut-0001"
MARKER = "[dbtok-device:%s]" % NAME
LIFETIME = ["--lifetime=%d" % (30 * 86400)]
DUE = LIFETIME + ["--rotate-below=%d" % (40 * 86400)]      # every token is due
NOT_DUE = LIFETIME + ["--rotate-below=%d" % 86400]        # a fresh token is not
PASS_THROUGH = {"kind": "split", "sizes": [1 << 20]}     # one record, the normal answer
CREATE, LIST, DELETE = "/api/2.0/token/create", "/api/2.0/token/list", "/api/2.0/token/delete"
MATRIX = []


def cut_points(reference, requests):
    """The cut points of a flow from its reference boot and its requests (paths)."""
    points = [("after page write %d" % n, {"cut_after_page": n}, False) for n, _ in reference.pages]
    points += [("page write %d torn" % n, {"cut_after_page": n}, True)
               for n, offset in reference.pages if offset % device.SLOT_SPAN == 0]
    for i, path in enumerate(requests, 1):
        name = "%s #%d" % (path.rsplit("/", 1)[-1], i)
        points.append(("in request %d (%s)" % (i, name), {"cut_record": (i + 1, "mid")}, False))
        points.append(("after request %d (%s)" % (i, name), {"cut_record": (i + 1, "end")}, False))
        points.append(("in answer %d (%s)" % (i, name), {"cut_on_close": True, "truncate": i}, False))
    return points


def describe(records):
    if not records:
        return "nothing"
    r = records[0]
    text = "token %s" % r.token_id[:8] if r.value else "no token"
    if r.retire_id:
        text += ", retire %s" % r.retire_id[:8]
    if r.sweep:
        text += ", sweep"
    return text


class PowerCut(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = Emulator().__enter__()
        cls.dev = device.Device(ELF, CPU, cls.emu, NAME)

    @classmethod
    def tearDownClass(cls):
        cls.emu.__exit__(None, None, None)
        if MATRIX:
            print("\nPower-cut matrix: %d cut points" % len(MATRIX))
            for row in MATRIX:
                print("  %-15s %-60s left: %-38s next boot: %s" % row)

    def setUp(self):
        self.emu.reset()
        self.dev.erase()

    # ------------------------------------------------------------------ checks

    def live_values(self):
        return {t["token_value"]: t for t in self.emu.state()["tokens"]}

    def assert_no_bootstrap_in_flash(self):
        self.assertNotIn(self.emu.token.encode(), self.dev.flash_bytes())

    def assert_after_cut(self, had_token, what):
        records = self.dev.records()
        live = self.live_values()
        if had_token:
            self.assertTrue(records and records[0].value, "%s: the device lost its token" % what)
        if records and records[0].value:
            self.assertIn(records[0].value, live, "%s: the stored token %r does not work" % (what, records[0]))
        self.assert_no_bootstrap_in_flash()

    def assert_complete(self, boot, what):
        self.assertEqual(boot.returncode, 0, "%s:\n%s" % (what, boot.output))
        records = self.dev.records()
        self.assertTrue(records, what)
        kept = records[0]
        live = self.live_values()
        self.assertIn(kept.value, live, "%s: the stored token does not work" % what)
        self.assertEqual((kept.retire_id, kept.sweep), ("", False), "%s: %r" % (what, kept))
        # Exactly one working token stored: whatever the older slot holds is that
        # token or one that no longer works.
        self.assertEqual({r.value for r in records if r.value in live}, {kept.value}, what)
        marked = [t["token_id"] for t in self.emu.state()["tokens"] if MARKER in (t["comment"] or "")]
        self.assertEqual(marked, [kept.token_id], "%s: tokens of the device left on the service" % what)
        self.assertEqual(len(live), 1, "%s: tokens other than the device's on the service" % what)
        self.assert_no_bootstrap_in_flash()

    # ------------------------------------------------------------------ the flows

    def requests_since(self, count):
        log = self.emu.state()["request_log"]
        return [r["path"] for r in log[len(log) - count:]] if count else []

    def total_requests(self):
        return sum(self.emu.state()["requests"].values())

    def cut_boot(self, point, bootstrap, extra, requests):
        name, how, tear = point
        how = dict(how)
        before = self.total_requests()
        truncate = how.pop("truncate", None)
        if truncate is not None:
            path = requests[truncate - 1]
            earlier = requests[:truncate - 1].count(path)
            faults = [dict(PASS_THROUGH, path=path) for _ in range(earlier)]
            faults.append({"path": path, "kind": "truncate"})
            self.emu.faults(faults)
            how["settle_requests"] = before + truncate
        elif how.get("cut_record", (0, ""))[1] == "end":
            how["settle_requests"] = before + how["cut_record"][0] - 1
        boot = self.dev.boot(bootstrap, extra, **how)
        self.emu.faults([], replace=True)
        self.assertTrue(boot.cut, "%s: the power was not cut:\n%s" % (name, boot.output))
        if tear:
            # The page this boot wrote last (which slot it is depends on the one
            # before): the first page of the slot, which holds the record.
            offset = boot.pages[-1][1]
            self.assertEqual(offset % device.SLOT_SPAN, 0, name)
            device.tear_page(self.dev.flash, offset)
        return boot

    def recovery_bootstrap(self, bootstrap_ok):
        """The factory gives the bootstrap credential again only to a device that has no
        token of its own stored."""
        records = self.dev.records()
        return self.emu.token if bootstrap_ok and not (records and records[0].value) else None

    def recover(self, flow, name, had_token, bootstrap_ok):
        self.assert_after_cut(had_token, name)
        left = describe(self.dev.records())
        bootstrap = self.recovery_bootstrap(bootstrap_ok)
        boot = self.dev.boot(bootstrap, NOT_DUE)
        self.assert_complete(boot, name)
        result = boot.result()
        MATRIX.append((flow, name, left, "%s %s%s" % (result["action"], result["status"],
                                                        " (bootstrap given)" if bootstrap else "")))

    def reference(self, bootstrap, extra, action=None):
        """An uncut boot, its requests (paths) and the cut points they make."""
        before = self.total_requests()
        boot = self.dev.boot(bootstrap, extra)
        if action:
            self.assertEqual(boot.result()["action"], action, boot.output)
        requests = self.requests_since(self.total_requests() - before)
        # The bridge's cut points rely on this framing: the handshake's Finished, one
        # record per request, the close_notify.
        apps = [n for kind, n in boot.records if kind == device.TLS_APPLICATION_DATA]
        self.assertEqual(len(apps), len(requests) + 2, boot.records)
        return boot, requests, cut_points(boot, requests)

    def provisioning_start(self):
        self.emu.reset()
        self.dev.erase()

    def provisioned(self):
        """A device with its token, used once: every rotation then starts from a record
        whose time is fresh, so no flow differs by a write of the time learnt (which a
        boot makes once it is a day ahead of the kept one, provision.c)."""
        self.provisioning_start()
        self.assert_complete(self.dev.boot(self.emu.token, NOT_DUE), "provisioning")
        self.assert_complete(self.dev.boot(None, NOT_DUE), "first use")

    def test_first_provisioning(self):
        reference, requests, points = self.reference(self.emu.token, LIFETIME, "provisioned")
        self.assertEqual(requests, [CREATE, LIST])
        for point in points:
            with self.subTest(point[0]):
                self.provisioning_start()
                self.cut_boot(point, self.emu.token, LIFETIME, requests)
                self.recover("provisioning", point[0], had_token=False, bootstrap_ok=True)

    def test_rotation(self):
        self.provisioned()
        reference, requests, points = self.reference(None, DUE, "rotated")
        self.assertEqual(requests, [LIST, CREATE, LIST, DELETE])
        self.assert_complete(reference, "reference rotation")
        # Each cut point starts where the one before ended: one working token, stored.
        for point in points:
            with self.subTest(point[0]):
                self.cut_boot(point, None, DUE, requests)
                self.recover("rotation", point[0], had_token=True, bootstrap_ok=False)

    def cut_twice(self, flow, first, again, bootstrap, extra, requests, had_token):
        """The boot after the first cut is cut too, at each of its own cut points."""
        again()
        self.cut_boot(first, bootstrap, extra, requests)
        bootstrap_ok = bootstrap is not None
        then = self.recovery_bootstrap(bootstrap_ok)
        reference, then_requests, points = self.reference(then, NOT_DUE)
        self.assert_complete(reference, "%s, then uncut" % first[0])
        for point in points:
            name = "%s, then %s" % (first[0], point[0])
            with self.subTest(name):
                again()
                self.cut_boot(first, bootstrap, extra, requests)
                self.assertEqual(self.recovery_bootstrap(bootstrap_ok), then, name)
                self.cut_boot(point, then, NOT_DUE, then_requests)
                self.recover(flow, name, had_token=had_token, bootstrap_ok=bootstrap_ok)

    def test_cut_while_finishing(self):
        """Cuts that leave work for the next boot (an orphan to sweep, an old token to
        revoke), and that next boot cut again."""
        _, requests, points = self.reference(self.emu.token, LIFETIME, "provisioned")
        first = {p[0]: p for p in points}
        self.cut_twice("provisioning x2", first["after request 1 (create #1)"], self.provisioning_start,
                       self.emu.token, LIFETIME, requests, had_token=False)
        self.provisioned()
        _, requests, points = self.reference(None, DUE, "rotated")
        first = {p[0]: p for p in points}
        for name in ("after page write 3", "after request 2 (create #2)"):
            self.cut_twice("rotation x2", first[name], lambda: None, None, DUE, requests, had_token=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--qemu", required=True)
    parser.add_argument("--cpu", required=True, choices=sorted(qemu_run.MACHINES))
    parser.add_argument("--elf", required=True)
    args, rest = parser.parse_known_args()
    if not os.path.isfile(args.qemu):
        sys.exit("qemu-system-arm not found (%s): scripts/install-deps qemu-system-arm" % args.qemu)
    qemu_run.QEMU = args.qemu
    ELF, CPU = os.path.abspath(args.elf), args.cpu
    unittest.main(argv=[sys.argv[0]] + rest)

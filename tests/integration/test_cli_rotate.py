#!/usr/bin/env python3
"""Black-box tests of `dbtok rotate --store FILE` against the Token API emulator.

    python3 tests/integration/test_cli_rotate.py --cli build/dbtok [unittest args]

The contract under test (issue 13, point 7):
  dbtok [GLOBAL] rotate --store FILE [--force] [--min-remaining-seconds N] [--comment TEXT]
        [--lifetime-seconds N] [--scope NAME]... [--device NAME]
  - FILE missing or empty: a token is made with the configured credential and written to
    FILE (atomically, mode 0600), a JSON object with token_value, token_id, expiry_time.
  - FILE's token still works and expires more than N seconds from now (default 7 days;
    never counts as far away): nothing changes, exit 0; --force rotates anyway.
  - Otherwise: a new token, made with the stored one as the bearer (or the configured
    credential if the stored one is refused), proven, written to FILE, then the old one
    revoked; exit 0.
  - A kill at any point, then another `dbtok rotate --store FILE`, ends with FILE holding
    a working token and no other token of this device in the workspace. FILE never holds
    the configured credential.

The kill matrix stops the tool at each step with the emulator's "hold" fault (a request
whose answer is kept back, before or after it acted, until its client is gone) and
SIGKILLs it there. A kill inside a keep (FILE's replacement) leaves FILE as it was before
the keep or as it is after: the new text is written to FILE.tmp and renamed over FILE,
and a rename is atomic. So the kill "during the final keep" is the state the kill after
the last revoke leaves (the keep not yet renamed) or a finished run (renamed), and the
cut between the temp file's write and the rename is not tested separately.

The runs share test_cli.py's harness (scrubbed environment, temporary HOME, every
invocation checked for leaked secrets).
"""

import argparse
import fcntl
import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "emulator"))
sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree

import test_cli  # noqa: E402  (its test classes stay in its namespace: not run here)

CREATE, LIST, DELETE = test_cli.CREATE, test_cli.LIST, test_cli.DELETE
OK, API_ERROR, USAGE, TRANSPORT = test_cli.OK, test_cli.API_ERROR, test_cli.USAGE, test_cli.TRANSPORT

MEMBERS = {"token_value", "token_id", "expiry_time", "device", "host", "port", "workspace_id",
           "time_floor", "retire_id", "sweep"}
GENERATED_DEVICE = re.compile(r"^cli-[0-9a-f]{16}$")
DAY = 86400


def marker(device):
    return "[dbtok-device:%s]" % device


class RotateTestCase(test_cli.TrustTestCase):
    def setUp(self):
        super().setUp()
        self.store = os.path.join(self.home, "token.json")

    # ------------------------------------------------------------------ running

    def rotate(self, *args, store=None, **kw):
        return self.dbtok("rotate", "--store", store or self.store, *args, **kw)

    def spawn(self, *args, token=None):
        """dbtok rotate started in the background, as run_cli() would run it."""
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.home}
        for k, v in os.environ.items():
            if k.startswith(test_cli.PASSTHROUGH_ENV):
                env[k] = v
        argv = test_cli.WRAPPER + [test_cli.CLI, "--host", self.emu.url, "--token",
                                   token or self.emu.token, "--ca-file", self.emu.ca_file,
                                   "rotate", "--store", self.store] + [str(a) for a in args]
        return subprocess.Popen(argv, env=env, cwd=self.home, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def kill_when_held(self, faults, *args, path, process):
        """Queues faults (the last one a hold), runs rotate until the held request is
        `path` and SIGKILLs it there."""
        self.emu.faults(faults)
        proc = self.spawn(*args)
        try:
            held = self.emu.wait_held(proc)
        finally:
            proc.kill()
            proc.wait()
        self.assertEqual([(h["path"], h["process"]) for h in held], [(path, process)])
        self.assertEqual(self.state()["faults_pending"], [], "the killed run took every fault")

    # ------------------------------------------------------------------ FILE

    def read_store(self, path=None):
        path = path or self.store
        st = os.lstat(path)
        self.assertTrue(stat.S_ISREG(st.st_mode), "FILE must be a regular file")
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o600, "FILE must be mode 0600")
        with open(path, "rb") as f:
            raw = f.read()
        for secret in (self.emu.token, test_cli.BAD_TOKEN, OAuthRotateTests.SECRET):
            self.assertNotIn(secret.encode(), raw, "FILE holds a configured credential")
        data = json.loads(raw.decode("ascii"))
        self.assertEqual(set(data), MEMBERS)
        return data

    def write_store(self, data, mode=0o600):
        with open(self.store, "w") as f:
            f.write(data if isinstance(data, str) else json.dumps(data))
        os.chmod(self.store, mode)

    def live(self):
        return {t["token_value"]: t for t in self.state()["tokens"]}

    def device_tokens(self, device):
        return [t for t in self.state()["tokens"] if marker(device) in (t["comment"] or "")]

    def assertSettled(self):
        """FILE holds a working token, nothing is left to do, and it is the only token
        in the workspace carrying the device's marker."""
        data = self.read_store()
        live = self.live()
        self.assertIn(data["token_value"], live, "FILE's token must work")
        self.assertEqual(live[data["token_value"]]["token_id"], data["token_id"])
        self.assertEqual((data["retire_id"], data["sweep"]), ("", False), data)
        self.assertEqual([t["token_id"] for t in self.device_tokens(data["device"])],
                         [data["token_id"]], "no other token of the device may be left")
        self.assertFalse(os.path.exists(self.store + ".tmp"), "no temporary file left")
        return data

    def assertWorks(self, token_value):
        """A request made with the token succeeds (the stored token is a bearer)."""
        r = self.dbtok("list", token=token_value)
        self.assertOk(r)

    def first_run(self, *args, store=None, **kw):
        r = self.rotate(*args, store=store, **kw)
        self.assertOk(r)
        self.assertTrue(r.out.startswith("created: token "), r.describe())
        return self.read_store(store)


# ============================================================================ behaviour


class RotateBehaviourTests(RotateTestCase):
    """What one run does, by what FILE holds."""

    def test_first_run_creates_a_private_file_with_a_working_token(self):
        r = self.rotate()
        self.assertOk(r)
        data = self.read_store()
        self.assertRegex(data["device"], GENERATED_DEVICE)
        tok = self.assertSettled()
        self.assertEqual(r.out, "created: token %s expires never (device %s)\n"
                         % (tok["token_id"], tok["device"]))
        self.assertNotIn(tok["token_value"], r.out + r.err, "no token value is printed")
        self.assertEqual(data["expiry_time"], -1)
        self.assertEqual((data["port"], data["workspace_id"]), (self.emu.port, ""))
        self.assertEqual(data["host"], "localhost")
        self.assertGreater(data["time_floor"], 0)
        self.assertIn(marker(data["device"]), self.only_token()["comment"])
        self.assertWorks(data["token_value"])

    def test_an_empty_file_is_a_first_run(self):
        self.write_store("")
        self.first_run()
        self.assertSettled()

    def test_second_run_changes_nothing(self):
        data = self.first_run()
        with open(self.store, "rb") as f:
            before = f.read()
        r = self.rotate(token="")  # no configured credential: the stored token is used
        self.assertOk(r)
        self.assertEqual(r.out, "unchanged: token %s expires never (device %s)\n"
                         % (data["token_id"], data["device"]))
        with open(self.store, "rb") as f:
            self.assertEqual(f.read(), before, "FILE must not be rewritten")

    def test_second_run_proves_the_token_with_one_list_and_sends_nothing_else(self):
        self.first_run()
        before = dict(self.state()["requests"])
        r = self.rotate()
        self.assertOk(r)
        self.assertTrue(r.out.startswith("unchanged: "), r.describe())
        after = self.state()["requests"]
        self.assertEqual({k: after[k] - before.get(k, 0) for k in after if after[k] != before.get(k, 0)},
                         {LIST: 1})

    def test_force_rotates_and_revokes_the_old_token(self):
        old = self.first_run()
        r = self.rotate("--force")
        self.assertOk(r)
        new = self.assertSettled()
        self.assertNotEqual(new["token_id"], old["token_id"])
        self.assertEqual(new["device"], old["device"])
        self.assertEqual(r.out, "rotated: token %s expires never (device %s; revoked %s)\n"
                         % (new["token_id"], new["device"], old["token_id"]))
        st = self.state()
        self.assertIn(old["token_id"], st["revoked"])
        self.assertNotIn(old["token_value"], self.live())

    def test_the_stored_token_is_the_bearer_of_a_rotation(self):
        """No credential configured at all: only the stored token can make the new one."""
        old = self.first_run()
        r = self.rotate("--force", token="")
        self.assertOk(r)
        new = self.assertSettled()
        self.assertNotEqual(new["token_id"], old["token_id"])

    def test_a_token_expiring_within_min_remaining_is_rotated(self):
        old = self.first_run("--lifetime-seconds", 30 * DAY)
        r = self.rotate()  # default: 7 days
        self.assertOk(r)
        self.assertTrue(r.out.startswith("unchanged: "), r.describe())
        r = self.rotate("--min-remaining-seconds", 31 * DAY, "--lifetime-seconds", 30 * DAY)
        self.assertOk(r)
        self.assertTrue(r.out.startswith("rotated: "), r.describe())
        new = self.assertSettled()
        self.assertNotEqual(new["token_id"], old["token_id"])
        t = self.live()[new["token_value"]]
        self.assertEqual(t["expiry_time"] - t["creation_time"], 30 * DAY * 1000)

    def test_a_token_expiring_within_seven_days_is_rotated_by_default(self):
        old = self.first_run("--lifetime-seconds", 6 * DAY)
        r = self.rotate()
        self.assertOk(r)
        self.assertTrue(r.out.startswith("rotated: "), r.describe())
        self.assertNotEqual(self.assertSettled()["token_id"], old["token_id"])

    def test_a_token_that_never_expires_is_never_due(self):
        self.first_run()
        r = self.rotate("--min-remaining-seconds", 10 ** 12)
        self.assertOk(r)
        self.assertTrue(r.out.startswith("unchanged: "), r.describe())

    def test_a_refused_stored_token_is_replaced_with_the_configured_credential(self):
        old = self.first_run()
        self.assertOk(self.dbtok("delete", old["token_id"]))  # revoked behind its back
        r = self.rotate()
        self.assertOk(r)
        self.assertTrue(r.out.startswith("rotated: "), r.describe())
        self.assertIn("refused", r.err)
        new = self.assertSettled()
        self.assertNotEqual(new["token_id"], old["token_id"])
        self.assertWorks(new["token_value"])

    def test_a_refused_stored_token_without_a_configured_credential_fails(self):
        old = self.first_run()
        with open(self.store, "rb") as f:
            before = f.read()
        self.assertOk(self.dbtok("delete", old["token_id"]))
        r = self.rotate(token="")
        self.assertFails(r, API_ERROR)
        self.assertIn("refused", r.err)
        self.assertEqual(self.requests(CREATE), 1, "no create without a credential")
        with open(self.store, "rb") as f:
            self.assertEqual(f.read(), before)

    def test_comment_scopes_and_lifetime_reach_the_create(self):
        args = ("--comment", "sensor 7", "--scope", "sql", "--scope", "unity-catalog",
                "--lifetime-seconds", 9 * DAY, "--device", "sensor-7")
        data = self.first_run(*args)
        t = self.only_token()
        self.assertEqual(t["scopes"], ["sql", "unity-catalog"])
        self.assertEqual(t["expiry_time"] - t["creation_time"], 9 * DAY * 1000)
        self.assertEqual(data["expiry_time"], t["expiry_time"])
        self.assertTrue(t["comment"].startswith("sensor 7 [dbtok-device:sensor-7]"), t["comment"])
        # And those of a rotation reach its create.
        r = self.rotate("--force", "--comment", "sensor 7b", "--scope", "sql", "--device", "sensor-7")
        self.assertOk(r)
        new = self.only_token()
        self.assertEqual(new["scopes"], ["sql"])
        self.assertEqual(new["expiry_time"], -1)
        self.assertTrue(new["comment"].startswith("sensor 7b [dbtok-device:sensor-7]"), new["comment"])

    def test_json_output(self):
        self.first_run()
        r = self.rotate("--force", "-o", "json")
        out = self.json_out(r)
        new = self.assertSettled()
        self.assertEqual(set(out), {"action", "token_id", "expiry_time", "device", "revoked_token_id"})
        self.assertEqual((out["action"], out["token_id"], out["expiry_time"], out["device"]),
                         ("rotated", new["token_id"], -1, new["device"]))
        r = self.rotate("-o", "json")
        self.assertEqual(self.json_out(r), {"action": "unchanged", "token_id": new["token_id"],
                                            "expiry_time": -1, "device": new["device"]})

    def test_a_given_device_name_is_kept_and_must_stay(self):
        data = self.first_run("--device", "gateway-1.a_b")
        self.assertEqual(data["device"], "gateway-1.a_b")
        r = self.rotate("--force", "--device", "gateway-1.a_b")
        self.assertOk(r)
        self.emu.reset()
        r = self.rotate("--device", "gateway-2")
        self.assertUsageBeforeSending(r, "gateway-1.a_b", "gateway-2")

    def test_a_bad_device_name_is_refused_before_anything_is_sent(self):
        for name in ("has space", "x" * 41, "caf\u00e9"):
            r = self.rotate("--device", name)
            self.assertUsageBeforeSending(r, "device")
            self.assertFalse(os.path.exists(self.store), "nothing may be kept")

    def test_a_comment_too_long_for_the_marker_is_refused_on_every_run(self):
        self.first_run()
        self.emu.reset()
        # Refused also when no rotation is due, so that a cron job's mistake shows at once.
        self.assertUsageBeforeSending(self.rotate("--comment", "c" * 104), "--comment", "103")
        self.assertUsageBeforeSending(self.rotate("--comment", "c" * 104, "--force"), "--comment")
        self.assertFalse(os.path.exists(self.store + ".tmp"))

    def test_the_longest_comment_a_rotation_takes(self):
        self.first_run("--comment", "c" * 103, "--device", "d" * 40)
        self.assertIn("c" * 103 + " " + marker("d" * 40), self.only_token()["comment"])

    def test_a_run_while_another_holds_the_lock_stops_at_once(self):
        with open(self.store + ".lock", "w") as f:
            os.chmod(self.store + ".lock", 0o600)
            fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            r = self.rotate()
        self.assertFails(r, TRANSPORT)
        self.assertIn("another 'dbtok rotate'", r.err)
        self.assertEqual(self.state()["requests"], {}, r.describe())
        self.assertFalse(os.path.exists(self.store))
        self.first_run()  # the lock is free again

    def test_options_of_rotate_belong_to_rotate(self):
        for args in (["list", "--force"], ["create", "--store", "x"], ["list", "--device", "d"],
                     ["create", "--min-remaining-seconds", "5"], ["rotate"],
                     ["rotate", "--store", "x", "--json", "{}"],
                     ["rotate", "--store", "x", "--min-remaining-seconds", "-1"]):
            r = self.dbtok(*args)
            self.assertUsageBeforeSending(r)


# ============================================================================ refusals


class RotateRefusalTests(RotateTestCase):
    """A FILE that is not safe, not this tool's, or not for this workspace or device: exit
    2 before anything is sent, FILE untouched."""

    def assertRefused(self, r, *words):
        self.assertUsageBeforeSending(r, *words)

    def test_a_symbolic_link_is_refused(self):
        target = os.path.join(self.home, "real.json")
        self.first_run(store=target)
        self.emu.reset()
        os.symlink(target, self.store)
        with open(target, "rb") as f:
            before = f.read()
        r = self.rotate()
        self.assertRefused(r, "symbolic link")
        with open(target, "rb") as f:
            self.assertEqual(f.read(), before)
        self.assertTrue(os.path.islink(self.store))

    def test_a_file_others_may_read_is_refused(self):
        self.first_run()
        self.emu.reset()
        for mode in (0o644, 0o640, 0o602):
            os.chmod(self.store, mode)
            r = self.rotate()
            self.assertRefused(r, "chmod 600")

    def test_an_empty_file_others_may_read_is_refused_too(self):
        self.write_store("", mode=0o644)
        self.assertRefused(self.rotate(), "chmod 600")

    def test_a_folder_is_refused(self):
        os.mkdir(self.store, 0o700)
        self.assertRefused(self.rotate(), "not a regular file")

    def test_the_token_of_another_host_is_not_sent_there(self):
        self.first_run()
        self.emu.reset()
        # 127.0.0.1 is the same emulator (its certificate names it), but another host.
        r = self.rotate(host="https://127.0.0.1:%d" % self.emu.port)
        self.assertRefused(r, "localhost", "127.0.0.1")
        r = self.rotate(host="https://localhost:%d" % test_cli.free_closed_port())
        self.assertRefused(r, "only sent to its own")

    def test_the_token_of_another_workspace_id_is_not_sent_there(self):
        self.first_run()
        self.emu.reset()
        self.assertRefused(self.rotate("--workspace-id", "1234"), "1234")

    def test_a_file_dbtok_did_not_write_is_refused(self):
        good = self.first_run()
        self.emu.reset()
        bad = {
            "not json": "token_value=dapi123",
            "an array": "[]",
            "an unknown member": dict(good, extra=1),
            "a missing member": {k: v for k, v in good.items() if k != "sweep"},
            "a token without an id": dict(good, token_id=""),
            "an id without a token": dict(good, token_value=""),
            "a string for a number": dict(good, expiry_time="-1"),
            "a port out of range": dict(good, port=70000),
            "a space in a value": dict(good, token_value="dapi 123"),
            "a control character": dict(good, token_id="ab\ncd"),
            "a unicode escape": json.dumps(good).replace('"sweep"', '"\\u0073weep"'),
            "a member twice": json.dumps(good)[:-1] + ', "sweep": true}',
            "a fraction": json.dumps(good).replace('"expiry_time": -1', '"expiry_time": -1.0'),
            "trailing bytes": json.dumps(good) + "x",
        }
        for name, data in bad.items():
            with self.subTest(name):
                self.write_store(data)
                self.assertRefused(self.rotate(), "not a file dbtok rotate wrote")


# ============================================================================ OAuth


class OAuthRotateTests(RotateTestCase):
    """The configured credential may be a service principal's: the first token is made
    with OAuth M2M, and neither the client secret nor an access token reaches FILE."""

    ID, SECRET = "emu-client-id", "emu-client-secret"

    def test_first_run_as_a_service_principal(self):
        env = {"DATABRICKS_CLIENT_ID": self.ID, "DATABRICKS_CLIENT_SECRET": self.SECRET}
        self.secrets.add(self.SECRET)
        r = self.rotate(token="", env=env)
        self.assertOk(r)
        self.assertEqual(self.state()["oauth_tokens_issued"], 1)
        data = self.assertSettled()
        self.assertTrue(data["token_value"].startswith("dapi"), "FILE holds the device's own token")
        r = self.rotate("--force", token="", env=env)
        self.assertOk(r)
        self.assertEqual(self.state()["oauth_tokens_issued"], 1, "the stored token is the bearer")
        self.assertSettled()


# ============================================================================ kills


class RotateKillTests(RotateTestCase):
    """SIGKILL at each step of a first run and of a rotation, then one more run: FILE
    holds a working token and the device has no other token in the workspace."""

    def rerun_settles(self):
        r = self.rotate()
        self.assertOk(r)
        return self.assertSettled()

    # ---- a first run (FILE missing)

    def test_first_run_killed_before_the_create_acted(self):
        self.kill_when_held([dict(path=CREATE, kind="hold")], path=CREATE, process=False)
        data = self.read_store()
        self.assertEqual((data["token_value"], data["sweep"]), ("", True), "step 1 is kept first")
        self.assertEqual(self.state()["tokens"], [])
        self.assertEqual(self.rerun_settles()["device"], data["device"])

    def test_first_run_killed_after_the_create_acted(self):
        self.kill_when_held([dict(path=CREATE, kind="hold", process=True)], path=CREATE, process=True)
        data = self.read_store()
        self.assertEqual(len(self.device_tokens(data["device"])), 1, "an orphan with the marker")
        self.rerun_settles()

    def test_first_run_killed_during_the_proof_before_it_acted(self):
        self.kill_when_held([dict(path=LIST, kind="hold")], path=LIST, process=False)
        self.rerun_settles()

    def test_first_run_killed_during_the_proof_after_it_acted(self):
        self.kill_when_held([dict(path=LIST, kind="hold", process=True)], path=LIST, process=True)
        self.rerun_settles()

    def orphaned_first_run(self):
        """A first run killed after its create acted, then a second one that finds the
        orphan in its proof and revokes it after keeping the new token."""
        device = ("--device", "kiosk-9")
        self.kill_when_held([dict(path=CREATE, kind="hold", process=True)], *device,
                            path=CREATE, process=True)
        self.assertEqual(len(self.device_tokens("kiosk-9")), 1)
        return device

    def test_first_run_killed_after_keeping_before_revoking_an_orphan(self):
        device = self.orphaned_first_run()
        self.kill_when_held([dict(path=DELETE, kind="hold")], *device, path=DELETE, process=False)
        data = self.read_store()
        self.assertNotEqual(data["token_value"], "")
        self.assertTrue(data["sweep"], "the orphan is still to be revoked")
        self.assertEqual(len(self.device_tokens("kiosk-9")), 2)
        self.assertEqual(self.rerun_settles()["token_id"], data["token_id"])

    def test_first_run_killed_after_revoking_an_orphan_before_the_final_keep(self):
        device = self.orphaned_first_run()
        self.kill_when_held([dict(path=DELETE, kind="hold", process=True)], *device,
                            path=DELETE, process=True)
        data = self.read_store()
        self.assertTrue(data["sweep"], "the final keep did not happen")
        self.assertEqual(self.rerun_settles()["token_id"], data["token_id"])

    # ---- a rotation (--force on a FILE with a token)

    def rotation_killed(self, faults, path, process):
        old = self.first_run()
        self.kill_when_held(faults, "--force", path=path, process=process)
        return old

    def test_rotation_killed_while_proving_the_stored_token(self):
        old = self.rotation_killed([dict(path=LIST, kind="hold")], LIST, False)
        self.assertEqual(self.read_store(), old, "nothing kept yet")
        self.assertEqual(self.rerun_settles()["token_id"], old["token_id"])

    def test_rotation_killed_before_the_create_acted(self):
        old = self.rotation_killed([dict(path=CREATE, kind="hold")], CREATE, False)
        self.assertTrue(self.read_store()["sweep"], "step 1 is kept before the create")
        self.assertEqual(self.rerun_settles()["token_id"], old["token_id"])

    def test_rotation_killed_after_the_create_acted(self):
        old = self.rotation_killed([dict(path=CREATE, kind="hold", process=True)], CREATE, True)
        self.assertEqual(len(self.device_tokens(old["device"])), 2, "an orphan with the marker")
        self.assertEqual(self.rerun_settles()["token_id"], old["token_id"])

    # The proof of the new token is the run's second list: a no-op fault takes the first.
    def test_rotation_killed_while_proving_the_new_token_before_it_acted(self):
        old = self.rotation_killed([dict(path=LIST, kind="delay", ms=0), dict(path=LIST, kind="hold")],
                                   LIST, False)
        self.assertEqual(self.rerun_settles()["token_id"], old["token_id"])

    def test_rotation_killed_while_proving_the_new_token_after_it_acted(self):
        old = self.rotation_killed([dict(path=LIST, kind="delay", ms=0),
                                    dict(path=LIST, kind="hold", process=True)], LIST, True)
        self.assertEqual(self.rerun_settles()["token_id"], old["token_id"])

    def test_rotation_killed_after_keeping_the_new_token_before_revoking_the_old(self):
        old = self.rotation_killed([dict(path=DELETE, kind="hold")], DELETE, False)
        data = self.read_store()
        self.assertEqual(data["retire_id"], old["token_id"], "step 2: the new token, the old to retire")
        self.assertIn(old["token_value"], self.live())
        new = self.rerun_settles()
        self.assertEqual(new["token_id"], data["token_id"])
        self.assertNotIn(old["token_value"], self.live())

    def test_rotation_killed_after_revoking_the_old_before_the_final_keep(self):
        old = self.rotation_killed([dict(path=DELETE, kind="hold", process=True)], DELETE, True)
        data = self.read_store()
        self.assertEqual(data["retire_id"], old["token_id"])
        self.assertNotIn(old["token_value"], self.live())
        self.assertEqual(self.rerun_settles()["token_id"], data["token_id"])


# ============================================================================ the hold fault


class HoldFaultTests(RotateTestCase):
    """The emulator's "hold" fault, which the kill matrix stands on, ends its hold as
    documented when nobody kills the client."""

    def test_a_held_request_goes_on_once_its_ms_pass(self):
        self.emu.faults([dict(path=CREATE, kind="hold", ms=100)])
        self.first_run()
        self.assertSettled()
        self.assertEqual(self.emu.held(), [])

    def test_a_reset_drops_a_held_request_unanswered(self):
        self.emu.faults([dict(path=CREATE, kind="hold")])
        proc = self.spawn()
        self.emu.wait_held(proc)
        self.emu.reset()
        # The create's answer is lost: the core's recovery lists (no token carries its
        # marker, since the held create was never processed) and creates once more.
        self.assertEqual(proc.wait(timeout=30), OK)
        self.assertEqual([e["path"] for e in self.state()["request_log"]], [LIST, CREATE, LIST])
        self.assertEqual(len(self.state()["tokens"]), 1, "the dropped create made nothing")


# ============================================================================ main


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cli", default=os.environ.get("DBTOK_CLI"),
                   help="path to the dbtok binary (default $DBTOK_CLI)")
    p.add_argument("--wrapper", default=os.environ.get("DBTOK_CLI_WRAPPER", ""),
                   help="command prefix for every invocation, e.g. 'valgrind -q'")
    args, rest = p.parse_known_args()
    if not args.cli:
        sys.stderr.write("test_cli_rotate.py: no CLI given: pass --cli PATH/TO/dbtok\n")
        return 2
    test_cli.CLI = os.path.abspath(args.cli)
    if not (os.path.isfile(test_cli.CLI) and os.access(test_cli.CLI, os.X_OK)):
        sys.stderr.write("test_cli_rotate.py: dbtok binary not found or not executable: %s\n"
                         % test_cli.CLI)
        return 2
    test_cli.WRAPPER = shlex.split(args.wrapper)
    if shutil.which("openssl") is None:
        sys.stderr.write("test_cli_rotate.py: openssl is required to generate test certificates\n")
        return 2
    t0 = time.monotonic()
    program = unittest.main(argv=[sys.argv[0]] + rest, exit=False)
    sys.stderr.write("test_cli_rotate.py: %.1f s\n" % (time.monotonic() - t0))
    return 0 if program.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())

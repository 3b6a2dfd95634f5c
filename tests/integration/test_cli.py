#!/usr/bin/env python3
"""Black-box tests of the `dbtok` command-line tool against the Token API emulator.

    python3 tests/integration/test_cli.py --cli build/examples/posix/dbtok [unittest args]

`--cli` may also come from $DBTOK_CLI; `--wrapper "valgrind -q --error-exitcode=99"` (or
$DBTOK_CLI_WRAPPER) runs every invocation under a tool. Extra arguments go to unittest
(-v, -k PATTERN, TestClass.test_name).

The contract under test (fixed):
  dbtok [GLOBAL] create [--comment TEXT] [--lifetime-seconds N]
  dbtok [GLOBAL] list
  dbtok [GLOBAL] delete TOKEN_ID          (revoke is an alias)
  GLOBAL: --host URL, -p/--profile NAME, --token TOKEN, --ca-file PEM, -o/--output text|json,
          --timeout SECONDS, -v/--verbose, --help, --version
  exit 0 ok; 1 the service answered with an error; 2 usage/config error; 3 the exchange
  could not complete; 4 a create was sent and its outcome is unknown.
  stdout is empty on every failure, but for a list that broke after printing entries
  (the list streams: those entries stay, exit 3); secrets never reach stderr.

Every invocation runs with a scrubbed environment and a temporary HOME so the
developer's own ~/.databrickscfg and DATABRICKS_* variables cannot leak in, and every
invocation is checked for leaked secrets (see CliTestCase.run_cli).
"""

import argparse
import json
import os
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "emulator"))
sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree

from harness import Emulator, gen_certs  # noqa: E402

CLI = None
WRAPPER = []

CREATE = "/api/2.0/token/create"
LIST = "/api/2.0/token/list"
DELETE = "/api/2.0/token/delete"

OK, API_ERROR, USAGE, TRANSPORT, UNKNOWN = 0, 1, 2, 3, 4

# Everything JSON string escaping can get wrong, in one comment.
WEIRD_COMMENT = 'q"uote back\\slash new\nline tab\there ctl\x01 caf\u00e9 \U0001F600 /end'
BAD_TOKEN = "dapi-wrong-0123456789abcdef0123456789abcdef"
HASH_TOKEN = "dapi-with#hash-in-it"  # a token containing '#', for the INI comment rule

# Sanitiser and coverage tools are configured through the environment; let them through.
PASSTHROUGH_ENV = ("ASAN_", "UBSAN_", "LSAN_", "MSAN_", "TSAN_", "VALGRIND", "LLVM_PROFILE",
                   "GCOV_")


class Result:
    def __init__(self, argv, proc, elapsed):
        self.argv = argv
        self.rc = proc.returncode
        self.out_bytes = proc.stdout
        self.err_bytes = proc.stderr
        self.out = proc.stdout.decode("utf-8", errors="surrogateescape")
        self.err = proc.stderr.decode("utf-8", errors="surrogateescape")
        self.elapsed = elapsed

    def describe(self):
        return ("\n  argv: %s\n  exit: %s  (%.2f s)\n  stdout: %r\n  stderr: %s"
                % (shlex.join(self.argv), self.rc, self.elapsed, self.out[:2000],
                   self.err[-3000:] or "(empty)"))


def free_closed_port():
    """A port nothing listens on: bound once by us, then released."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def iso_utc(ms):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ms // 1000))


class CliTestCase(unittest.TestCase):
    """One emulator per class (started once), reset before every test."""

    emulator_options = {}
    maxDiff = 4000

    @classmethod
    def setUpClass(cls):
        cls.emu = Emulator(**cls.emulator_options)
        cls.emu.start()
        cls.scratch = tempfile.mkdtemp(prefix="dbtok-test-")

    @classmethod
    def tearDownClass(cls):
        cls.emu.stop()
        shutil.rmtree(cls.scratch, ignore_errors=True)

    def setUp(self):
        self.emu.reset()
        # A fresh, empty HOME per test: config files written by one test never reach
        # the next.
        self.home = tempfile.mkdtemp(dir=self.scratch, prefix="home-")
        self.secrets = set(self.emu.tokens) | {BAD_TOKEN}

    # ------------------------------------------------------------------ running the CLI

    def run_cli(self, args, env=None, timeout=30):
        """Runs dbtok with exactly `args` and a scrubbed environment (plus `env`),
        then checks that no secret reached stderr and no bearer token reached stdout."""
        full_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.home}
        for k, v in os.environ.items():
            if k.startswith(PASSTHROUGH_ENV):
                full_env[k] = v
        for k, v in (env or {}).items():
            if k == "DATABRICKS_TOKEN":
                self.secrets.add(v)
            full_env[k] = v
        argv = WRAPPER + [CLI] + [str(a) for a in args]
        t0 = time.monotonic()
        try:
            proc = subprocess.run(argv, env=full_env, cwd=self.home, stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  timeout=timeout)
        except subprocess.TimeoutExpired:
            self.fail("dbtok did not finish within %d s: %s" % (timeout, shlex.join(argv)))
        r = Result(argv, proc, time.monotonic() - t0)
        self.check_no_leak(r)
        return r

    def dbtok(self, *args, token=None, host=None, ca_file=None, env=None, timeout=30):
        """Runs dbtok with --host/--token/--ca-file for this class's emulator (override
        any of them; pass "" to leave a flag out) followed by `args`."""
        token = self.emu.token if token is None else token
        host = self.emu.url if host is None else host
        ca_file = self.emu.ca_file if ca_file is None else ca_file
        argv = []
        if host:
            argv += ["--host", host]
        if token:
            argv += ["--token", token]
            self.secrets.add(token)
        if ca_file:
            argv += ["--ca-file", ca_file]
        return self.run_cli(argv + list(args), env=env, timeout=timeout)

    def check_no_leak(self, r):
        # Every token value the emulator has issued (and still holds) counts as a
        # secret, including ones whose create response the client never saw whole.
        for t in self.emu.state()["tokens"]:
            self.secrets.add(t["token_value"])
        for s in self.secrets:
            if not s:
                continue
            self.assertNotIn(s, r.err, "a secret appeared on stderr" + r.describe())
            if s.startswith("dapi") and len(s) >= 36:
                # The random part alone is still the secret.
                self.assertNotIn(s[4:36], r.err, "a token value appeared on stderr"
                                 + r.describe())
        for s in self.emu.tokens + [BAD_TOKEN]:
            self.assertNotIn(s, r.out, "the bearer token appeared on stdout" + r.describe())
            # Escaped forms too (issue 10): a service may echo it JSON-escaped or
            # percent-encoded, and the tool must mask those as well.
            for form in ("\\u%04x" % ord(s[0]) + s[1:], "%%%02x" % ord(s[0]) + s[1:]):
                self.assertNotIn(form, r.out, "the bearer token appeared on stdout"
                                 + r.describe())
                self.assertNotIn(form, r.err, "the bearer token appeared on stderr"
                                 + r.describe())

    # ------------------------------------------------------------------ assertions

    def assertOk(self, r):
        self.assertEqual(r.rc, OK, "expected success" + r.describe())

    def assertFails(self, r, code):
        self.assertEqual(r.rc, code, "expected exit %d" % code + r.describe())
        self.assertEqual(r.out_bytes, b"", "stdout must be empty on failure" + r.describe())

    def assertApiError(self, r, error_code, status, message=None):
        """Exit 1 and a line `Error: <ERROR_CODE>: <message>` naming the HTTP status."""
        self.assertFails(r, API_ERROR)
        want = "Error: %s: %s" % (error_code, message) if message else \
            "Error: %s:" % error_code
        lines = [ln for ln in r.err.splitlines() if want in ln]
        self.assertTrue(lines, "no stderr line contains %r" % want + r.describe())
        self.assertTrue(any(str(status) in ln for ln in lines),
                        "the error line does not name HTTP status %d" % status + r.describe())

    def json_out(self, r):
        self.assertOk(r)
        try:
            return json.loads(r.out_bytes.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            self.fail("stdout is not UTF-8 JSON (%s)" % e + r.describe())

    def state(self):
        return self.emu.state()

    def requests(self, path):
        return self.state()["requests"].get(path, 0)

    def only_token(self):
        tokens = self.state()["tokens"]
        self.assertEqual(len(tokens), 1, tokens)
        return tokens[0]

    def assertInfoMatches(self, info, stored):
        """A printed token-info object carries the stored values exactly."""
        for key in ("token_id", "creation_time", "expiry_time"):
            self.assertEqual(info.get(key), stored[key], key)
        if stored["comment"] is not None:
            self.assertEqual(info.get("comment"), stored["comment"])


# ============================================================================ usage


class UsageTests(CliTestCase):
    """Exit 2 for anything wrong on the command line or in the configuration, with no
    network traffic at all."""

    def assertUsage(self, r):
        self.assertFails(r, USAGE)
        self.assertEqual(self.state()["connections"], 0,
                         "a usage error must not connect" + r.describe())

    def test_help(self):
        r = self.run_cli(["--help"])
        self.assertOk(r)
        text = r.out + r.err
        for word in ("create", "list", "delete"):
            self.assertIn(word, text, r.describe())
        self.assertEqual(self.state()["connections"], 0)

    def test_version(self):
        r = self.run_cli(["--version"])
        self.assertOk(r)
        self.assertRegex(r.out + r.err, r"\d+\.\d+", r.describe())
        self.assertEqual(self.state()["connections"], 0)

    def test_unknown_option(self):
        self.assertUsage(self.dbtok("--bogus-option", "list"))
        self.assertUsage(self.dbtok("list", "--bogus-option"))

    def test_unknown_command(self):
        self.assertUsage(self.dbtok("frobnicate"))

    def test_no_command(self):
        self.assertUsage(self.dbtok())

    def test_delete_without_id(self):
        self.assertUsage(self.dbtok("delete"))
        self.assertUsage(self.dbtok("revoke"))

    def test_bad_output_format(self):
        self.assertUsage(self.dbtok("-o", "yaml", "list"))
        self.assertUsage(self.dbtok("list", env={"DATABRICKS_OUTPUT_FORMAT": "yaml"}))

    def test_bad_numbers(self):
        self.assertUsage(self.dbtok("create", "--lifetime-seconds", "soon"))
        self.assertUsage(self.dbtok("--timeout", "abc", "list"))

    def test_missing_token(self):
        self.assertUsage(self.dbtok("list", token=""))

    def test_missing_host(self):
        self.assertUsage(self.dbtok("list", host=""))

    def test_unknown_profile(self):
        cfg = os.path.join(self.home, ".databrickscfg")
        with open(cfg, "w") as f:
            f.write("[DEFAULT]\nhost = %s\ntoken = %s\n" % (self.emu.url, self.emu.token))
        self.assertUsage(self.run_cli(["--ca-file", self.emu.ca_file, "-p", "nosuch", "list"]))
        self.assertUsage(self.run_cli(["--ca-file", self.emu.ca_file, "list"],
                                      env={"DATABRICKS_CONFIG_PROFILE": "nosuch"}))


# ============================================================================ operations


class OperationTests(CliTestCase):

    def test_full_flow_json(self):
        r = self.dbtok("-o", "json", "create", "--comment", "flow", "--lifetime-seconds",
                       "3600")
        created = self.json_out(r)
        stored = self.only_token()
        self.assertEqual(created["token_value"], stored["token_value"])
        self.assertInfoMatches(created["token_info"], stored)
        self.assertEqual(stored["comment"], "flow")
        self.assertEqual(stored["expiry_time"], stored["creation_time"] + 3600 * 1000)

        listed = self.json_out(self.dbtok("-o", "json", "list"))
        self.assertIsInstance(listed, list)
        self.assertEqual(len(listed), 1, listed)
        self.assertInfoMatches(listed[0], stored)

        r = self.dbtok("-o", "json", "delete", stored["token_id"])
        self.assertOk(r)
        self.assertEqual(r.out_bytes, b"", "delete prints nothing" + r.describe())
        st = self.state()
        self.assertEqual(st["tokens"], [])
        self.assertEqual(st["revoked"], [stored["token_id"]])
        self.assertEqual(self.json_out(self.dbtok("-o", "json", "list")), [])

    def test_full_flow_text(self):
        r = self.dbtok("create", "--comment", "text flow", "--lifetime-seconds", "7200")
        self.assertOk(r)
        stored = self.only_token()
        self.assertIn(stored["token_value"], r.out, "create prints the value" + r.describe())
        self.assertIn(stored["token_id"], r.out, "create prints the id" + r.describe())

        r = self.dbtok("list")
        self.assertOk(r)
        row = [ln for ln in r.out.splitlines() if stored["token_id"] in ln]
        self.assertEqual(len(row), 1, "one table row per token" + r.describe())
        self.assertIn(iso_utc(stored["expiry_time"]), row[0],
                      "expiry as ISO 8601 UTC" + r.describe())

        r = self.dbtok("delete", stored["token_id"])
        self.assertOk(r)
        self.assertEqual(r.out_bytes, b"", r.describe())
        r = self.dbtok("list")
        self.assertOk(r)
        self.assertNotIn(stored["token_id"], r.out, r.describe())
        self.assertEqual(self.state()["revoked"], [stored["token_id"]])

    def test_never_expiring(self):
        created = self.json_out(self.dbtok("-o", "json", "create", "--comment", "forever"))
        self.assertEqual(created["token_info"]["expiry_time"], -1)
        r = self.dbtok("list")
        self.assertOk(r)
        row = [ln for ln in r.out.splitlines() if created["token_info"]["token_id"] in ln]
        self.assertEqual(len(row), 1, r.describe())
        self.assertIn("never", row[0], r.describe())

    def test_create_without_options(self):
        created = self.json_out(self.dbtok("-o", "json", "create"))
        stored = self.only_token()
        self.assertEqual(created["token_value"], stored["token_value"])
        self.assertEqual(created["token_info"]["token_id"], stored["token_id"])
        self.assertEqual(stored["expiry_time"], -1)

    def test_weird_comment_round_trip(self):
        # Each JSON style makes the client's decoder meet the comment differently:
        # raw UTF-8, \u escapes with a surrogate pair, whitespace everywhere.
        for style in ("compact", "ascii", "pretty", "spaced"):
            with self.subTest(json_style=style):
                self.emu.reset()
                self.emu.config(json_style=style)
                created = self.json_out(self.dbtok("-o", "json", "create", "--comment",
                                                   WEIRD_COMMENT))
                stored = self.only_token()
                self.assertEqual(stored["comment"], WEIRD_COMMENT,
                                 "the request body escaped the comment wrongly")
                self.assertEqual(created["token_info"]["comment"], WEIRD_COMMENT)
                listed = self.json_out(self.dbtok("-o", "json", "list"))
                self.assertEqual([i["comment"] for i in listed], [WEIRD_COMMENT])
                self.assertOk(self.dbtok("list"))  # the table copes with it too

    def test_list_empty(self):
        self.assertEqual(self.json_out(self.dbtok("-o", "json", "list")), [])
        self.assertOk(self.dbtok("list"))

    def test_list_full_quota(self):
        ids = self.emu.fill(600, comment_size=120)
        listed = self.json_out(self.dbtok("-o", "json", "list"))
        self.assertEqual(len(listed), 600)
        self.assertEqual(sorted(i["token_id"] for i in listed), sorted(ids))
        stored = {t["token_id"]: t for t in self.state()["tokens"]}
        for info in listed:
            self.assertInfoMatches(info, stored[info["token_id"]])
        r = self.dbtok("list")
        self.assertOk(r)
        for token_id in ids:
            self.assertIn(token_id, r.out)

    def test_list_limit(self):
        """list --limit N prints at most N, in the service's order, and succeeds; 0 is all."""
        ids = self.emu.fill(5)
        listed = self.json_out(self.dbtok("-o", "json", "list", "--limit", "2"))
        self.assertEqual([i["token_id"] for i in listed], ids[:2])
        r = self.dbtok("--limit=3", "list")
        self.assertOk(r)
        self.assertEqual([t for t in ids if t in r.out], ids[:3])
        self.assertEqual(len(self.json_out(self.dbtok("-o", "json", "list", "--limit", "0"))), 5)
        self.assertEqual(len(self.json_out(self.dbtok("-o", "json", "list", "--limit", "9"))), 5)
        self.assertEqual(len(self.json_out(self.dbtok("-o", "json", "list", "--limit", "5"))), 5)
        for bad in (["list", "--limit", "-1"], ["list", "--limit", "x"], ["create", "--limit", "1"]):
            r = self.dbtok(*bad)
            self.assertFails(r, USAGE)
            self.assertIn("--limit", r.err)

    def test_list_larger_than_quota(self):
        # Synthesised by the emulator, never stored: the client must stream, not cap.
        self.emu.list_size(1500)
        listed = self.json_out(self.dbtok("-o", "json", "list"))
        self.assertEqual(len(listed), 1500)
        self.assertEqual(len({i["token_id"] for i in listed}), 1500)

    def test_revoke_alias(self):
        self.emu.fill(1)
        token_id = self.only_token()["token_id"]
        r = self.dbtok("revoke", token_id)
        self.assertOk(r)
        self.assertEqual(r.out_bytes, b"")
        self.assertEqual(self.state()["revoked"], [token_id])

    def test_delete_unknown_id(self):
        token_id = "0" * 64
        r = self.dbtok("delete", token_id)
        self.assertApiError(r, "RESOURCE_DOES_NOT_EXIST", 404,
                            "No valid token with ID %s found." % token_id)

    def test_delete_expired_token(self):
        token_id = self.emu.fill(1, expired=True)[0]
        self.assertApiError(self.dbtok("delete", token_id), "RESOURCE_DOES_NOT_EXIST", 404)

    def test_bad_token(self):
        # The service sends error_code as a JSON integer here.
        for op in (["list"], ["create"], ["delete", "ab" * 32]):
            with self.subTest(op=op[0]):
                r = self.dbtok(*op, token=BAD_TOKEN)
                self.assertApiError(r, 403, 403, "Invalid access token.")
        self.assertEqual(self.state()["tokens"], [])

    def test_quota_exceeded(self):
        self.emu.fill(600)
        r = self.dbtok("create", "--comment", "one too many")
        self.assertApiError(r, "QUOTA_EXCEEDED", 400)
        self.assertEqual(len(self.state()["tokens"]), 600)
        self.assertEqual(self.requests(CREATE), 1)

    def test_lifetime_above_cap(self):
        self.emu.config(max_lifetime_seconds=3600)
        r = self.dbtok("create", "--lifetime-seconds", "7200")
        self.assertApiError(r, "INVALID_PARAMETER_VALUE", 400)
        self.assertEqual(self.state()["tokens"], [])

    def test_unusual_token_value(self):
        # Token values are not validated: a "-2" suffix must pass through untouched.
        self.emu.config(value_suffix="-2")
        created = self.json_out(self.dbtok("-o", "json", "create"))
        self.assertTrue(created["token_value"].endswith("-2"), created)
        self.assertEqual(created["token_value"], self.only_token()["token_value"])

    def test_one_connection_per_invocation(self):
        self.assertOk(self.dbtok("list"))
        st = self.state()
        self.assertEqual((st["connections"], st["handshakes"]), (1, 1), st)

    def test_request_shape(self):
        self.assertOk(self.dbtok("create", "--comment", "shape", "--lifetime-seconds", "60"))
        self.assertOk(self.dbtok("list"))
        log = self.state()["request_log"]
        self.assertEqual([(e["method"], e["path"]) for e in log],
                         [("POST", CREATE), ("GET", LIST)])
        for e in log:
            headers = {k.lower(): v for k, v in e["headers"]}
            self.assertEqual(e["auth"], "valid")
            self.assertEqual(e["target"], e["path"], "no query string")
            self.assertEqual(headers.get("host"), "localhost:%d" % self.emu.port)
            self.assertTrue(headers.get("user-agent", "").startswith("dbtok/"), headers)
        post = {k.lower(): v for k, v in log[0]["headers"]}
        self.assertIn("content-length", post)
        self.assertTrue(post.get("content-type", "").startswith("application/json"), post)
        self.assertEqual(json.loads(log[0]["body"]),
                         {"comment": "shape", "lifetime_seconds": 60})

    def test_output_format_from_environment(self):
        self.emu.fill(1)
        env = {"DATABRICKS_OUTPUT_FORMAT": "json"}
        listed = self.json_out(self.dbtok("list", env=env))
        self.assertEqual(len(listed), 1)
        r = self.dbtok("-o", "text", "list", env=env)  # the flag wins
        self.assertOk(r)
        self.assertIn("never", r.out, r.describe())
        with self.assertRaises(ValueError, msg="-o text must not print JSON"):
            json.loads(r.out)

    def test_verbose_redacts_secrets(self):
        r = self.dbtok("-v", "-o", "json", "create", "--comment", "verbose")
        created = self.json_out(r)
        self.assertTrue(r.err.strip(), "-v traces the exchange on stderr")
        self.assertNotIn(created["token_value"], r.err)
        self.assertNotIn(self.emu.token, r.err)
        r = self.dbtok("-v", "-o", "json", "list")
        self.assertEqual(len(self.json_out(r)), 1)
        self.assertTrue(r.err.strip())
        self.assertApiError(self.dbtok("-v", "list", token=BAD_TOKEN), 403, 403)
        # run_cli has already checked every token for leaks after each call.


# ============================================================================ faults


class FaultTests(CliTestCase):
    """The wire misbehaves; the exit code says what the caller can conclude."""

    def fault(self, path, kind, **params):
        params.update(path=path, kind=kind)
        self.emu.faults([params])

    def baseline_list(self):
        r = self.dbtok("-o", "json", "list")
        self.assertOk(r)
        return r.out_bytes

    def test_chunked_responses(self):
        self.emu.fill(20, comment_size=50)
        expected = self.baseline_list()
        for sizes in ([1], [1, 3, 7], [2, 64, 5], [16, 255, 4096], [100000]):
            with self.subTest(op="list", sizes=sizes):
                self.fault(LIST, "chunked", sizes=sizes)
                r = self.dbtok("-o", "json", "list")
                self.assertOk(r)
                self.assertEqual(r.out_bytes, expected)
                self.assertEqual(self.state()["faults_pending"], [])
        for sizes in ([1], [3, 7], [4096]):
            with self.subTest(op="create", sizes=sizes):
                self.emu.reset()
                self.fault(CREATE, "chunked", sizes=sizes)
                created = self.json_out(self.dbtok("-o", "json", "create", "--comment",
                                                   WEIRD_COMMENT))
                stored = self.only_token()
                self.assertEqual(created["token_value"], stored["token_value"])
                self.assertInfoMatches(created["token_info"], stored)
                self.assertEqual(created["token_info"]["comment"], WEIRD_COMMENT)
            with self.subTest(op="delete", sizes=sizes):
                self.emu.reset()
                token_id = self.emu.fill(1)[0]
                self.fault(DELETE, "chunked", sizes=sizes)
                r = self.dbtok("delete", token_id)
                self.assertOk(r)
                self.assertEqual(r.out_bytes, b"")
                self.assertEqual(self.state()["revoked"], [token_id])
        with self.subTest(op="list", extensions=False, trailer=False):
            self.emu.reset()
            self.emu.fill(3)
            expected = self.baseline_list()
            self.fault(LIST, "chunked", sizes=[5], extensions=False, trailer=False)
            self.assertEqual(self.dbtok("-o", "json", "list").out_bytes, expected)

    def test_chunked_error_response(self):
        self.fault(DELETE, "chunked", sizes=[3])
        self.assertApiError(self.dbtok("delete", "f" * 64), "RESOURCE_DOES_NOT_EXIST", 404)

    def test_response_split_across_tls_records(self):
        self.emu.fill(5)
        expected = self.baseline_list()
        self.fault(LIST, "split", sizes=[1, 2, 3, 50], pause_ms=0)
        r = self.dbtok("-o", "json", "list")
        self.assertOk(r)
        self.assertEqual(r.out_bytes, expected)

    def test_connection_close(self):
        for kind in ("close", "close_after"):
            for path, args in ((LIST, ["list"]), (CREATE, ["create"])):
                with self.subTest(kind=kind, op=args[0]):
                    self.emu.reset()
                    self.fault(path, kind)
                    self.assertOk(self.dbtok("-o", "json", *args))
                    self.assertEqual(self.requests(path), 1)

    def test_rate_limited_and_unavailable(self):
        # The service keeps refusing: every retry is spent, the last answer
        # is reported, and no token was made.
        cases = ((429, "REQUEST_LIMIT_EXCEEDED", None), (503, "TEMPORARILY_UNAVAILABLE", "0"))
        for status, code, retry_after in cases:
            for path, args in ((LIST, ["list"]), (CREATE, ["create"])):
                with self.subTest(status=status, op=args[0]):
                    self.emu.reset()
                    self.fault(path, "status", status=status, retry_after=retry_after,
                               retry_delay="0.1s", times=10)
                    self.assertApiError(self.dbtok("--retries", "2", *args), code, status)
                    self.assertEqual(self.requests(path), 3, "the first try and 2 retries")
                    self.assertEqual(self.state()["tokens"], [])

    def test_rate_limit_then_success(self):
        # 429 and 503 say the request was not acted on: even a create is
        # sent again, and exactly one token results.
        for status in (429, 503):
            with self.subTest(status=status):
                self.emu.reset()
                self.fault(CREATE, "status", status=status, retry_delay="0.2s", times=2)
                r = self.dbtok("-o", "json", "create", "--comment", "patient")
                self.assertOk(r)
                self.assertEqual(self.requests(CREATE), 3)
                self.assertEqual(self.only_token()["comment"], "patient")
                self.assertEqual(json.loads(r.out)["token_info"]["token_id"], self.only_token()["token_id"])

    def test_retry_after_is_honoured(self):
        self.fault(LIST, "status", status=503, retry_after="2", times=1)
        r = self.dbtok("list")
        self.assertOk(r)
        self.assertGreaterEqual(r.elapsed, 1.9)
        self.assertEqual(self.requests(LIST), 2)

    def test_no_retries_when_told(self):
        self.fault(LIST, "status", status=503, retry_after="0", times=1)
        self.assertApiError(self.dbtok("--retries", "0", "list"), "TEMPORARILY_UNAVAILABLE", 503)
        self.assertEqual(self.requests(LIST), 1)

    def test_attempts_are_retries_plus_one(self):
        # One attempt budget for every call, counted at the server: --retries N
        # is N+1 requests at most, whatever failed and however (a broken answer
        # used to be asked for again inside each retry: 8 lists for --retries 3).
        kinds = [
            ("list, answer cut", LIST, ["list"], {"kind": "truncate"}),
            ("list, reset before an answer", LIST, ["list"], {"kind": "reset_before"}),
            ("list, 503", LIST, ["list"], {"kind": "status", "status": 503, "retry_delay": "0.05s"}),
            ("create, 429", CREATE, ["create"], {"kind": "status", "status": 429, "retry_delay": "0.05s"}),
            ("revoke, 503", DELETE, ["revoke", "0123"], {"kind": "status", "status": 503,
                                                          "retry_delay": "0.05s"}),
        ]
        for name, path, args, fault in kinds:
            for retries in (0, 1, 3):
                with self.subTest(case=name, retries=retries):
                    self.emu.reset()
                    self.emu.faults([dict(fault, path=path, times=20)])
                    r = self.dbtok("--retries", str(retries), *args)
                    self.assertNotEqual(r.rc, OK, r.describe())
                    self.assertEqual(self.requests(path), retries + 1, r.describe())

    def test_recover_keeps_to_one_deadline(self):
        # Every create stalls past --timeout: the create, the recovery's lists
        # and revokes and the creates after them all end inside the one
        # deadline (it used to take about three times --timeout).
        self.fault(CREATE, "delay", ms=5000, times=10)
        r = self.dbtok("--timeout", "2", "create", "--comment", "stalled", "--recover")
        self.assertFails(r, UNKNOWN)
        self.assertLess(r.elapsed, 3.5, r.describe())

    def test_list_retried_after_broken_answer(self):
        # An answer cut short: the list is idempotent and is asked for again.
        self.emu.fill(2)
        self.fault(LIST, "truncate", times=1)
        r = self.dbtok("-o", "json", "list")
        self.assertOk(r)
        self.assertEqual(len(json.loads(r.out)), 2)
        self.assertEqual(self.requests(LIST), 2)

    def test_html_error_page(self):
        for path, args in ((LIST, ["list"]), (DELETE, ["delete", "ab" * 32])):
            with self.subTest(op=args[0]):
                self.emu.reset()
                self.fault(path, "html_error", times=5)
                self.assertFails(self.dbtok(*args), TRANSPORT)

    def test_login_page_is_never_success(self):
        self.emu.fill(2)
        self.fault(LIST, "login_page", times=5)
        self.assertFails(self.dbtok("list"), TRANSPORT)
        self.fault(LIST, "login_page", times=5)
        self.assertFails(self.dbtok("-o", "json", "list"), TRANSPORT)

    def test_create_reset_after_processing(self):
        # The token exists but its value is lost: report "outcome unknown" and never
        # send the create again (that would leave a second live token nobody holds).
        self.fault(CREATE, "reset_after", times=5)
        r = self.dbtok("create", "--comment", "lost")
        self.assertFails(r, UNKNOWN)
        self.assertEqual(self.requests(CREATE), 1, "create must never be resent")
        self.assertEqual(len(self.state()["tokens"]), 1)

    def test_recover_leaves_exactly_one_token(self):
        # Every way the answer to a create can be lost, once, and a fault in
        # the recovery's own list and revoke: --recover ends with exactly one
        # live token of the flow, the one it printed.
        cases = [
            ("reset after processing", [{"path": CREATE, "kind": "reset_after"}]),
            ("reset before processing", [{"path": CREATE, "kind": "reset_before"}]),
            ("truncated answer", [{"path": CREATE, "kind": "truncate"}]),
            ("stalled answer", [{"path": CREATE, "kind": "delay", "ms": 4000}]),
            ("lost twice", [{"path": CREATE, "kind": "reset_after", "times": 2}]),
            ("recovery list broken", [{"path": CREATE, "kind": "reset_after"},
                                      {"path": LIST, "kind": "reset_before"}]),
            ("recovery revoke throttled", [{"path": CREATE, "kind": "reset_after"},
                                           {"path": DELETE, "kind": "status", "status": 429,
                                            "retry_delay": "0.1s"}]),
            ("no fault", []),
        ]
        for name, faults in cases:
            with self.subTest(case=name):
                self.emu.reset()
                self.emu.fill(2)  # unrelated tokens stay untouched
                if faults:
                    self.emu.faults(faults)
                r = self.dbtok("--timeout", "3", "-o", "json", "create", "--comment", "device 7",
                               "--recover")
                self.assertOk(r)
                created = json.loads(r.out)["token_info"]
                ours = [t for t in self.state()["tokens"] if (t["comment"] or "").startswith("device 7")]
                self.assertEqual(len(ours), 1, ours)
                self.assertEqual(ours[0]["token_id"], created["token_id"])
                self.assertEqual(len(self.state()["tokens"]), 3)

    def test_recover_gives_up_with_none_left(self):
        # The answer is lost every time: after three creates, each orphan
        # revoked, the command fails and no token of the flow is left.
        self.fault(CREATE, "reset_after", times=10)
        r = self.dbtok("create", "--comment", "doomed", "--recover")
        self.assertFails(r, TRANSPORT)
        self.assertEqual(self.requests(CREATE), 3)
        self.assertEqual(self.state()["tokens"], [])
        self.assertEqual(len(self.state()["revoked"]), 3)

    def test_create_reset_before_processing(self):
        # Not created, but the client cannot know that: still "outcome unknown".
        self.fault(CREATE, "reset_before", times=5)
        self.assertFails(self.dbtok("create", "--comment", "lost"), UNKNOWN)
        self.assertEqual(self.requests(CREATE), 1, "create must never be resent")
        self.assertEqual(self.state()["tokens"], [])

    def test_list_reset_is_retried_once(self):
        # list is idempotent: one retry on a fresh connection when nothing came back.
        for kind in ("reset_before", "reset_after"):
            with self.subTest(kind=kind):
                self.emu.reset()
                ids = self.emu.fill(2)
                self.fault(LIST, kind)
                listed = self.json_out(self.dbtok("-o", "json", "list"))
                self.assertEqual(sorted(i["token_id"] for i in listed), sorted(ids))
                st = self.state()
                self.assertEqual(st["requests"].get(LIST), 2)
                self.assertEqual(st["handshakes"], 2, "the retry uses a fresh connection")

    def test_truncated_list(self):
        self.emu.fill(10)
        for where, params in (("body", {}), ("headers", {"bytes": 40}),
                              ("status line", {"bytes": 5})):
            with self.subTest(cut_in=where):
                # times=5: this checks the verdict, not the retry policy; replace: a
                # cut the subtest before left pending must not meet this one.
                self.emu.faults([dict(path=LIST, kind="truncate", times=5, **params)], replace=True)
                r = self.dbtok("-o", "json", "list")
                if where != "body":
                    self.assertFails(r, TRANSPORT)
                    continue
                # Cut after entries were printed (the list streams): they stay on
                # stdout, an array without its ']', and exit 3 and the last stderr
                # line say that the list is incomplete (test_cli_stream.py has more).
                self.assertEqual(r.rc, TRANSPORT, r.describe())
                self.assertTrue(r.out.startswith("[\n  {"), r.describe())
                self.assertTrue(r.out.endswith("}"), r.describe())
                self.assertIn("the list is incomplete", r.err.splitlines()[-1], r.describe())

    def test_truncated_create(self):
        self.fault(CREATE, "truncate", times=5)
        self.assertFails(self.dbtok("-o", "json", "create"), UNKNOWN)
        self.assertEqual(self.requests(CREATE), 1)
        self.assertEqual(len(self.state()["tokens"]), 1)

    def test_protocol_violations(self):
        self.emu.fill(1)

        # Raw fault data goes out as latin-1, one byte per character.
        def ok_json(body, extra=""):
            return ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n%s"
                    "Content-Length: %d\r\n\r\n%s" % (extra, len(body.encode("latin-1")), body))

        valid = '{"token_infos":[]}'
        cases = {
            "bad status line": "HTTP/1.1 2OO OK\r\nContent-Length: 2\r\n\r\n{}",
            "not HTTP at all": "SSH-2.0-OpenSSH_9.2\r\n\r\n",
            "content-length and chunked": ok_json(
                "2\r\n{}\r\n0\r\n\r\n", "Transfer-Encoding: chunked\r\n"),
            "two different content-lengths": ok_json("{} ", "Content-Length: 2\r\n"),
            "negative content-length": (
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                "Content-Length: -2\r\n\r\n{}"),
            "bad chunk size": (
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"),
            "body shorter than content-length": (
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                "Content-Length: 50\r\n\r\n" + valid),
            # A JSON body, so only the status can tell the client this is no success.
            "redirect to login": (
                "HTTP/1.1 302 Found\r\nLocation: https://localhost/login?next_url=%%2F\r\n"
                "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                % (len(valid), valid)),
            "200 plain text": (
                "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"),
            "200 empty body": "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
            "trailing garbage after JSON": ok_json(valid + "}"),
            "token_infos not an array": ok_json('{"token_infos":5}'),
            "top level not an object": ok_json("[]"),
            "truncated JSON": ok_json('{"token_infos":['),
            "invalid UTF-8 in a string": ok_json('{"token_infos":[{"token_id":"\xff"}]}'),
        }
        for name, data in cases.items():
            with self.subTest(case=name):
                self.emu.reset()
                self.fault(LIST, "raw", data=data, close=True, times=5)
                # No retries: a cut answer would otherwise be asked for again.
                r = self.dbtok("--retries", "0", "-o", "json", "list")
                self.assertFails(r, TRANSPORT)
                self.assertEqual(set(self.state()["requests"]), {LIST},
                                 "redirects are never followed")

    def test_timeout(self):
        # times=2, so a retry (if any) meets the same silence.
        self.fault(LIST, "delay", ms=3000, times=2)
        r = self.dbtok("--timeout", "1", "list")
        self.assertFails(r, TRANSPORT)
        self.assertLess(r.elapsed, 10)

    def test_create_timeout_is_unknown(self):
        self.fault(CREATE, "delay", ms=3000, times=2)
        r = self.dbtok("--timeout", "1", "create")
        self.assertFails(r, UNKNOWN)
        self.assertEqual(self.requests(CREATE), 1)

    def test_stall_mid_response(self):
        self.emu.fill(3)
        self.fault(LIST, "delay", ms=3000, after_bytes=60, times=2)
        self.assertFails(self.dbtok("--timeout", "1", "list"), TRANSPORT)

    def test_one_byte_per_second(self):
        # A server that trickles its answer cannot hold the client past its
        # deadline, retries included.
        self.fault(LIST, "split", sizes=[1], pause_ms=1000, times=10)
        r = self.dbtok("--timeout", "2", "list")
        self.assertFails(r, TRANSPORT)
        self.assertLess(r.elapsed, 6)

    def test_stops_mid_header(self):
        self.fault(LIST, "delay", ms=5000, after_bytes=20, times=10)
        r = self.dbtok("--timeout", "2", "list")
        self.assertFails(r, TRANSPORT)
        self.assertLess(r.elapsed, 6)

    def test_slow_but_within_timeout(self):
        self.fault(LIST, "delay", ms=500)
        self.assertOk(self.dbtok("--timeout", "10", "list"))


# ============================================================================ transport


class TransportTests(CliTestCase):

    def test_wrong_ca_file(self):
        other = os.path.join(self.scratch, "other-ca")
        gen_certs(other)
        r = self.dbtok("list", ca_file=os.path.join(other, "ca.pem"))
        self.assertFails(r, TRANSPORT)
        r = self.dbtok("create", ca_file=os.path.join(other, "ca.pem"))
        self.assertFails(r, TRANSPORT)  # nothing was sent, so the outcome is known
        st = self.state()
        self.assertEqual(st["requests"], {}, "no request may cross an unverified channel")
        self.assertEqual(st["handshakes"], 0)

    def der(self, pem_path):
        out = pem_path[:-4] + ".der"
        subprocess.run(["openssl", "x509", "-in", pem_path, "-outform", "DER", "-out", out], check=True)
        with open(out, "rb") as f:
            return f.read()

    def test_der_bundle_of_several_roots(self):
        """Issue 13, point 6: DER roots one after another are each a trust anchor, in
        any order (mbedTLS alone reads only the first); a bundle without the
        service's root is refused, and bytes that are not DER stop the run."""
        other = os.path.join(self.scratch, "other-ca-der")
        gen_certs(other)
        mine, theirs = self.der(self.emu.ca_file), self.der(os.path.join(other, "ca.pem"))
        for name, data, ok in (("theirs-mine.der", theirs + mine, True), ("mine-theirs.der", mine + theirs, True),
                               ("theirs.der", theirs, False), ("mine-junk.der", mine + b"\x30\x05ab", None)):
            with self.subTest(bundle=name):
                path = os.path.join(self.scratch, name)
                with open(path, "wb") as f:
                    f.write(data)
                r = self.dbtok("list", ca_file=path)
                if ok:
                    self.assertOk(r)
                elif ok is None:
                    self.assertFails(r, USAGE)  # the CA file holds no certificate dbtok can use
                else:
                    self.assertFails(r, TRANSPORT)

    def test_no_ca_configured(self):
        # The emulator's CA is in no system store. Whether the tool reports this as a
        # certificate failure (3) or a missing-configuration error (2), it must fail
        # before sending anything.
        r = self.dbtok("list", ca_file="")
        self.assertIn(r.rc, (USAGE, TRANSPORT), r.describe())
        self.assertEqual(r.out_bytes, b"")
        self.assertEqual(self.state()["requests"], {})

    def test_unreadable_ca_file(self):
        r = self.dbtok("list", ca_file=os.path.join(self.scratch, "missing.pem"))
        self.assertIn(r.rc, (USAGE, TRANSPORT), r.describe())
        self.assertEqual(r.out_bytes, b"")
        self.assertEqual(self.state()["requests"], {})

    def test_connection_refused(self):
        port = free_closed_port()
        r = self.dbtok("list", host="https://localhost:%d" % port)
        self.assertFails(r, TRANSPORT)
        r = self.dbtok("create", host="https://localhost:%d" % port)
        self.assertFails(r, TRANSPORT)

    def test_dns_failure(self):
        r = self.dbtok("--timeout", "5", "list", host="https://dbtok-test.invalid")
        self.assertFails(r, TRANSPORT)


class HostnameMismatchTests(CliTestCase):
    # A certificate from the trusted CA, but for another name.
    emulator_options = {"san": "DNS:not-this-host.invalid"}

    def test_certificate_for_another_name(self):
        r = self.dbtok("list")
        self.assertFails(r, TRANSPORT)
        st = self.state()
        self.assertEqual(st["requests"], {})
        self.assertEqual(st["handshakes"], 0)


class TlsVariantTests(CliTestCase):
    """The client against ECDSA and RSA certificates, over TLS 1.2 and 1.3. Each test
    starts its own emulator, so the class-wide one is not used."""

    @classmethod
    def setUpClass(cls):
        cls.scratch = tempfile.mkdtemp(prefix="dbtok-test-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.scratch, ignore_errors=True)

    def setUp(self):
        self.home = tempfile.mkdtemp(dir=self.scratch, prefix="home-")

    def check(self, rsa, version):
        # Debian's packaged mbedTLS 2.28 (DBTOK_USE_SYSTEM_MBEDTLS) has no TLS 1.3.
        if version == "1.3" and " (mbedtls 2." in subprocess.run(
                [CLI, "--version"], capture_output=True, text=True).stdout:
            self.skipTest("this dbtok is built with mbedTLS 2.x, which has no TLS 1.3")
        versions = ["--tls-min", version, "--tls-max", version]
        with Emulator(rsa=rsa, extra_args=versions) as emu:
            self.emu = emu
            self.secrets = set(emu.tokens)
            created = self.json_out(self.dbtok("-o", "json", "create", "--comment", "tls"))
            listed = self.json_out(self.dbtok("-o", "json", "list"))
            self.assertEqual([i["token_id"] for i in listed],
                             [created["token_info"]["token_id"]])
            st = emu.state()
            self.assertEqual(st["tls_versions"], {"TLSv" + version: 2}, st)

    def test_ecdsa_tls12(self):
        self.check(False, "1.2")

    def test_ecdsa_tls13(self):
        self.check(False, "1.3")

    def test_rsa_tls12(self):
        self.check(True, "1.2")

    def test_rsa_tls13(self):
        self.check(True, "1.3")


# ============================================================================ configuration


class ConfigTests(CliTestCase):
    """Flags, then environment, then the profile file; each field on its own."""

    emulator_options = {"tokens": ["dapi-emulator-test-token", HASH_TOKEN]}

    def setUp(self):
        super().setUp()
        self.closed = "https://localhost:%d" % free_closed_port()

    def write_cfg(self, text, path=None):
        path = path or os.path.join(self.home, ".databrickscfg")
        with open(path, "w") as f:
            f.write(text)
        return path

    def profile(self, name, host=None, token=None):
        return "[%s]\nhost = %s\ntoken = %s\n\n" % (name, host or self.emu.url,
                                                    token or self.emu.token)

    def cli(self, *args, env=None):
        """dbtok with only the CA given on the command line."""
        return self.run_cli(["--ca-file", self.emu.ca_file] + list(args), env=env)

    def test_default_profile_from_home(self):
        self.write_cfg("# written by the test\n" + self.profile("DEFAULT"))
        self.assertOk(self.cli("list"))

    def test_config_file_from_environment(self):
        self.write_cfg(self.profile("DEFAULT", token=BAD_TOKEN))
        other = self.write_cfg(self.profile("DEFAULT"), os.path.join(self.home, "alt.cfg"))
        self.assertOk(self.cli("list", env={"DATABRICKS_CONFIG_FILE": other}))

    def test_profile_auth_type_and_empty_profile(self):
        """A profile whose auth_type is not a personal access token is refused by name
        before anything is sent, its token included; an empty one is "not configured"."""
        self.write_cfg("[cli]\nhost = %s\ntoken = %s\nauth_type = databricks-cli\n\n[empty]\n\n%s"
                       % (self.emu.url, self.emu.token, self.profile("pat")))
        r = self.cli("-p", "cli", "list")
        self.assertFails(r, USAGE)
        self.assertEqual(self.state()["connections"], 0, r.describe())
        self.assertIn("has auth_type 'databricks-cli', which dbtok does not support", r.err)
        r = self.cli("-p", "empty", "list")
        self.assertFails(r, USAGE)
        self.assertEqual(self.state()["connections"], 0, r.describe())
        self.assertIn("has no empty profile configured", r.err)
        self.assertOk(self.cli("-p", "pat", "list"))
        self.assertOk(self.cli("-p", "cli", "--token", self.emu.token, "list"))

    def test_named_profile(self):
        self.write_cfg(self.profile("DEFAULT", token=BAD_TOKEN) + self.profile("work"))
        self.assertApiError(self.cli("list"), 403, 403)
        self.assertOk(self.cli("-p", "work", "list"))
        self.assertOk(self.cli("--profile", "work", "list"))
        self.assertOk(self.cli("list", env={"DATABRICKS_CONFIG_PROFILE": "work"}))
        # The flag beats the environment.
        self.assertApiError(self.cli("-p", "DEFAULT", "list",
                                     env={"DATABRICKS_CONFIG_PROFILE": "work"}), 403, 403)

    def test_settings_default_profile(self):
        self.write_cfg("[__settings__]\ndefault_profile = work\n\n"
                       + self.profile("DEFAULT", token=BAD_TOKEN) + self.profile("work")
                       + self.profile("other", token=BAD_TOKEN))
        self.assertOk(self.cli("list"))
        self.assertApiError(self.cli("-p", "DEFAULT", "list"), 403, 403)
        self.assertApiError(self.cli("list", env={"DATABRICKS_CONFIG_PROFILE": "other"}),
                            403, 403)

    def test_environment_beats_profile(self):
        self.write_cfg(self.profile("DEFAULT", host=self.closed, token=BAD_TOKEN))
        self.assertOk(self.cli("list", env={"DATABRICKS_HOST": self.emu.url,
                                            "DATABRICKS_TOKEN": self.emu.token}))
        # Field by field: token from the environment, host from the profile.
        self.write_cfg(self.profile("DEFAULT", token=BAD_TOKEN))
        self.assertOk(self.cli("list", env={"DATABRICKS_TOKEN": self.emu.token}))

    def test_flags_beat_environment(self):
        # DATABRICKS_TOKEN exported beside DATABRICKS_HOST is that workspace's: it is not
        # sent to another host given by --host (nothing is sent at all).
        env = {"DATABRICKS_HOST": self.closed, "DATABRICKS_TOKEN": BAD_TOKEN}
        r = self.cli("--host", self.emu.url, "list", env=env)
        self.assertFails(r, USAGE)
        self.assertIn("DATABRICKS_TOKEN is sent only to DATABRICKS_HOST", r.err, r.describe())
        self.assertEqual(self.state()["connections"], 0, r.describe())
        self.assertOk(self.cli("--host", self.emu.url, "--token", self.emu.token, "list",
                               env=env))
        # Exported alone, the token goes with the host the command names.
        self.assertApiError(self.cli("--host", self.emu.url, "list", env={"DATABRICKS_TOKEN": BAD_TOKEN}),
                            403, 403)

    def test_flags_and_profile_mix(self):
        # A host given without a token does not take DEFAULT's token (issue 10, point 5:
        # that token is for DEFAULT's host); with a token given too, flags fill it all.
        self.write_cfg(self.profile("DEFAULT", host=self.closed))
        r = self.cli("--host", self.emu.url, "list")
        self.assertFails(r, USAGE)
        self.assertEqual(self.state()["connections"], 0, r.describe())
        self.assertOk(self.cli("--host", self.emu.url, "--token", self.emu.token, "list"))
        # The profile still gives a host to a token given alone.
        self.write_cfg(self.profile("DEFAULT", token=BAD_TOKEN))
        self.assertOk(self.cli("--token", self.emu.token, "list"))

    def test_inline_comments(self):
        cases = {
            "space before #": "token = %s # my token\n" % self.emu.token,
            "tab before #": "token = %s\t# my token\n" % self.emu.token,
            "# inside the token": "token = %s\n" % HASH_TOKEN,
            "# inside the token, then a comment": "token = %s   # note\n" % HASH_TOKEN,
        }
        for name, line in cases.items():
            with self.subTest(case=name):
                self.write_cfg("[DEFAULT]\nhost = %s\n%s" % (self.emu.url, line))
                self.assertOk(self.cli("list"))

    def test_host_normalisation(self):
        port = self.emu.port
        for host in ("localhost:%d" % port,
                     "https://localhost:%d/" % port,
                     "https://localhost:%d/some/path/?o=123" % port,
                     "https://localhost:%d?o=1#fragment" % port):
            with self.subTest(host=host):
                self.emu.reset()
                self.assertOk(self.dbtok("list", host=host))
                self.write_cfg("[DEFAULT]\nhost = %s\ntoken = %s\n" % (host, self.emu.token))
                self.assertOk(self.cli("list"))
                for entry in self.state()["request_log"]:
                    self.assertEqual(entry["target"], LIST)
                    headers = {k.lower(): v for k, v in entry["headers"]}
                    self.assertEqual(headers.get("host"), "localhost:%d" % port)

    def test_ca_file_from_environment(self):
        other = os.path.join(self.scratch, "other-ca")
        gen_certs(other)
        wrong = os.path.join(other, "ca.pem")
        self.assertOk(self.dbtok("list", ca_file="",
                                 env={"DBTOK_CA_FILE": self.emu.ca_file}))
        self.assertOk(self.dbtok("list", env={"DBTOK_CA_FILE": wrong}))  # flag wins
        self.assertFails(self.dbtok("list", ca_file=wrong,
                                    env={"DBTOK_CA_FILE": self.emu.ca_file}), TRANSPORT)


# ============================================================================ create --json


class WorkspaceIdTests(CliTestCase):
    """A unified host routes by X-Databricks-Workspace-Id: each source of the id
    (--workspace-id, DATABRICKS_WORKSPACE_ID, the profile's workspace_id, ?o= or ?w=
    in the host URL) reaches an emulator that requires it, on every request."""

    WS = "6051921418418893"

    def setUp(self):
        super().setUp()
        self.emu.config(require_workspace_id=self.WS)

    def write_cfg(self, text):
        with open(os.path.join(self.home, ".databrickscfg"), "w") as f:
            f.write(text)

    def flow(self, *args, host=None, env=None):
        """create, list and revoke with the given settings: all three must get through."""
        created = self.json_out(self.dbtok("-o", "json", *args, "create", "--comment", "ws",
                                           host=host, env=env))
        self.assertIn(created["token_info"]["token_id"],
                      [t["token_id"] for t in self.json_out(self.dbtok("-o", "json", *args, "list",
                                                                       host=host, env=env))])
        self.assertOk(self.dbtok(*args, "revoke", created["token_info"]["token_id"], host=host, env=env))

    def test_refused_without_it(self):
        self.assertApiError(self.dbtok("list"), "INVALID_PARAMETER_VALUE", 400)
        self.assertApiError(self.dbtok("--workspace-id", "1", "list"), "INVALID_PARAMETER_VALUE", 400)

    def test_every_source(self):
        self.flow("--workspace-id", self.WS)
        self.flow(env={"DATABRICKS_WORKSPACE_ID": self.WS})
        self.flow(host=self.emu.url + "/?o=" + self.WS)
        self.flow(host=self.emu.url + "/?w=" + self.WS)
        self.write_cfg("[ws]\nhost = %s\ntoken = %s\nworkspace_id = %s\n" % (self.emu.url, self.emu.token,
                                                                             self.WS))
        self.flow("-p", "ws", host="", env={"DATABRICKS_WORKSPACE_ID": "1"})
        self.assertEqual(self.requests("/api/2.0/token/create"), 5)

    def test_verbose_names_the_source(self):
        r = self.dbtok("-v", "list", env={"DATABRICKS_WORKSPACE_ID": self.WS})
        self.assertOk(r)
        self.assertIn("workspace id %s (from DATABRICKS_WORKSPACE_ID)" % self.WS, r.err)
        self.assertIn("X-Databricks-Workspace-Id: %s" % self.WS, r.err)

    def test_refused_before_sending(self):
        for args, env, origin in ((["--workspace-id", "12 3"], None, "--workspace-id"),
                                  ([], {"DATABRICKS_WORKSPACE_ID": "1\r\nX-Evil: 1"}, "DATABRICKS_WORKSPACE_ID")):
            r = self.dbtok(*args, "list", env=env)
            self.assertFails(r, USAGE)
            self.assertIn("the workspace id from %s must be 1 to 19 digits" % origin, r.err)
        r = self.dbtok("list", host=self.emu.url + "/?o=abc")
        self.assertFails(r, USAGE)
        self.assertIn("?o= must be 1 to 19 digits", r.err)
        self.assertEqual(self.state()["requests"], {})


class ScopesAndUpdateTests(CliTestCase):
    """Issue 12, points 1-3: scopes and autoscope on create, every field the service
    sends passed through by -o json (and none invented), update in place."""

    def test_create_with_scopes_then_list_shows_them(self):
        created = self.json_out(self.dbtok("-o", "json", "create", "--comment", "s", "--scope", "sql",
                                           "--scope", "unity-catalog", "--autoscope-enabled"))
        stored = self.only_token()
        self.assertEqual(stored["scopes"], ["sql", "unity-catalog"])
        self.assertTrue(stored["autoscope_enabled"])
        self.assertEqual(created["token_value"], stored["token_value"])
        self.assertEqual(created["token_info"]["scopes"], ["sql", "unity-catalog"])
        self.assertEqual(created["token_info"]["autoscope_state"], "AUTOSCOPE_STATE_RUNNING")
        listed = self.json_out(self.dbtok("-o", "json", "list"))
        self.assertEqual(listed[0]["scopes"], ["sql", "unity-catalog"])
        self.assertEqual(listed[0]["autoscope_state"], "AUTOSCOPE_STATE_RUNNING")

    def test_scopes_in_json_body_and_flags_win(self):
        self.assertOk(self.dbtok("create", "--json", '{"comment": "j", "scopes": ["a", "b"], '
                                                     '"autoscope_enabled": true, "lifetime_seconds": 600}'))
        stored = self.only_token()
        self.assertEqual((stored["scopes"], stored["autoscope_enabled"]), (["a", "b"], True))
        self.emu.reset()
        # --scope replaces the body's scopes as a whole.
        self.assertOk(self.dbtok("create", "--json", '{"scopes": ["a", "b"]}', "--scope", "c"))
        self.assertEqual(self.only_token()["scopes"], ["c"])
        for bad, word in (('{"scopes": "sql"}', "scopes"), ('{"scopes": [""]}', "scopes"),
                          ('{"autoscope_enabled": 1}', "autoscope_enabled"), ('{"scope": ["a"]}', "scope")):
            with self.subTest(body=bad):
                self.emu.reset()
                r = self.dbtok("create", "--json", bad)
                self.assertFails(r, USAGE)
                self.assertIn(word, r.err)
                self.assertEqual(self.state()["connections"], 0)
        r = self.dbtok("create", "--scope", "")
        self.assertFails(r, USAGE)

    def test_json_output_is_the_services_objects(self):
        """Every member the service sent, unknown and nested ones included, in its
        order; nothing it did not send (no comment invented for a token without one)."""
        self.assertOk(self.dbtok("create"))
        created = self.json_out(self.dbtok("-o", "json", "create", "--comment", "second"))
        listed = self.json_out(self.dbtok("-o", "json", "list"))
        self.assertEqual(len(listed), 2)
        self.assertNotIn("comment", listed[0])
        self.assertNotIn("scopes", listed[0])
        self.assertEqual(listed[1]["comment"], "second")
        for info in listed + [created["token_info"]]:
            self.assertEqual(info["x_future_nested"]["history"], [1, {"k": None}, [], "]}"])
            self.assertEqual(info["created_by_username"], 'emu"lator\\user@example.com')
            self.assertIn("last_used_day", info)
            self.assertIsNone(info["last_used_day"])
        self.assertEqual(listed[1], created["token_info"])

    def test_update_changes_exactly_the_masked_fields(self):
        self.assertOk(self.dbtok("create", "--comment", "before", "--scope", "sql", "--scope", "jobs"))
        tid = self.only_token()["token_id"]
        r = self.dbtok("update", tid, "--comment", "after")
        self.assertOk(r)
        self.assertEqual(r.out_bytes, b"", "update prints nothing" + r.describe())
        t = self.only_token()
        self.assertEqual((t["comment"], t["scopes"]), ("after", ["sql", "jobs"]))
        self.assertOk(self.dbtok("update", tid, "--scope", "clusters"))
        t = self.only_token()
        self.assertEqual((t["comment"], t["scopes"]), ("after", ["clusters"]))
        self.assertOk(self.dbtok("update", tid, "--json",
                                 '{"token": {"comment": "both", "scopes": []}, "update_mask": "comment,scopes"}'))
        t = self.only_token()
        self.assertEqual((t["comment"], t["scopes"]), ("both", []))
        # Flags win over the body, field by field.
        self.assertOk(self.dbtok("update", tid, "--comment", "flag", "--json",
                                 '{"token": {"comment": "body", "scopes": ["x"]}, "update_mask": "comment,scopes"}'))
        t = self.only_token()
        self.assertEqual((t["comment"], t["scopes"]), ("flag", ["x"]))
        self.assertEqual(t["token_value"], self.state()["tokens"][0]["token_value"])

    def test_update_refusals(self):
        self.assertOk(self.dbtok("create", "--comment", "c"))
        tid = self.only_token()["token_id"]
        r = self.dbtok("update", "0" * 64, "--comment", "x")
        self.assertApiError(r, "RESOURCE_DOES_NOT_EXIST", 404)
        # An id cannot reach another resource: it goes into the path encoded.
        r = self.dbtok("update", "../delete", "--comment", "x")
        self.assertApiError(r, "RESOURCE_DOES_NOT_EXIST", 404)
        self.assertEqual(len(self.state()["tokens"]), 1)
        requests_before = self.state()["requests"]
        for args, word in ((["update", tid], "something to change"), (["update", "--comment", "x"], "TOKEN_ID"),
                           (["update", tid, "--lifetime-seconds", "60"], "--lifetime-seconds"),
                           (["update", tid, "--autoscope-enabled"], "--autoscope-enabled"),
                           (["update", tid, "--json", '{"token": {"comment": "x"}, "update_mask": "scopes"}'],
                            "update_mask"),
                           (["update", tid, "--json", '{"token": {"comment": "x"}}'], "update_mask"),
                           (["update", tid, "--json", '{"token": {"comment": "x"}, "update_mask": "comment, scopes"}'],
                            "update_mask"),
                           (["list", "--scope", "x"], "--scope")):
            with self.subTest(args=args):
                r = self.dbtok(*args)
                self.assertFails(r, USAGE)
                self.assertIn(word, r.err)
        self.assertEqual(self.state()["requests"], requests_before, "nothing more was sent")

    def test_update_retried_after_lost_answer(self):
        """An update sets values: a lost answer is sent again (a create's never is)."""
        self.assertOk(self.dbtok("create", "--comment", "c"))
        tid = self.only_token()["token_id"]
        self.emu.faults([{"path": "/api/2.0/token/*", "kind": "reset_after", "times": 1}])
        self.assertOk(self.dbtok("update", tid, "--comment", "again"))
        self.assertEqual(self.only_token()["comment"], "again")


class JsonBodyTests(CliTestCase):
    """create --json: the request body inline or from @FILE, as with the Databricks CLI;
    --comment and --lifetime-seconds given beside it override its fields."""

    def assertUsage(self, r):
        self.assertFails(r, USAGE)
        self.assertEqual(self.state()["connections"], 0,
                         "a usage error must not connect" + r.describe())

    def body_file(self, text):
        path = os.path.join(self.home, "body.json")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def test_inline(self):
        created = self.json_out(self.dbtok(
            "-o", "json", "create", "--json", '{"comment": "from json", "lifetime_seconds": 3600}'))
        stored = self.only_token()
        self.assertEqual(created["token_value"], stored["token_value"])
        self.assertEqual(stored["comment"], "from json")
        self.assertEqual(stored["expiry_time"], stored["creation_time"] + 3600 * 1000)

    def test_file_with_escapes(self):
        path = self.body_file('{\n  "lifetime_seconds": 7200,\n  "comment": "caf\\u00e9 \\"42\\""\n}\n')
        self.assertOk(self.dbtok("create", "--json", "@" + path))
        stored = self.only_token()
        self.assertEqual(stored["comment"], 'caf\u00e9 "42"')
        self.assertEqual(stored["expiry_time"], stored["creation_time"] + 7200 * 1000)

    def test_flags_override_fields(self):
        body = '{"comment": "body", "lifetime_seconds": 3600}'
        self.assertOk(self.dbtok("create", "--json", body, "--comment", "flag"))
        stored = self.only_token()
        self.assertEqual(stored["comment"], "flag")
        self.assertEqual(stored["expiry_time"], stored["creation_time"] + 3600 * 1000)
        self.emu.reset()
        self.assertOk(self.dbtok("create", "--lifetime-seconds", "60", "--json", body))
        stored = self.only_token()
        self.assertEqual(stored["comment"], "body")
        self.assertEqual(stored["expiry_time"], stored["creation_time"] + 60 * 1000)

    def test_empty_object_and_null_comment(self):
        self.assertOk(self.dbtok("create", "--json", "{}"))
        self.assertEqual(self.only_token()["expiry_time"], -1)
        self.emu.reset()
        self.assertOk(self.dbtok("create", "--json", '{"comment": null}'))
        self.assertIn(self.only_token().get("comment"), (None, ""))  # no comment sent

    def test_refused_bodies_send_nothing(self):
        path = self.body_file("{}")
        cases = {
            "not JSON": "comment=x",
            "truncated": '{"comment": "x"',
            "an array": '["x"]',
            "unknown field": '{"coment": "x"}',
            "comment a number": '{"comment": 3}',
            "lifetime a string": '{"lifetime_seconds": "3600"}',
            "lifetime a fraction": '{"lifetime_seconds": 1.5}',
            "lifetime too large": '{"lifetime_seconds": 99999999999999999999}',
            "trailing garbage": '{} x',
            "comment twice": '{"comment": "a", "comment": "b"}',
            "comment twice, escaped": '{"comment": "a", "c\\u006fmment": "b"}',
            "missing file": "@" + path + ".missing",
            "empty": "",
        }
        for name, body in cases.items():
            with self.subTest(case=name):
                r = self.dbtok("create", "--json", body)
                self.assertUsage(r)
                self.assertIn("--json", r.err, r.describe())
        self.assertEqual(self.state()["request_log"], [], "a refused body must send no request")

    def test_only_with_create(self):
        self.assertUsage(self.dbtok("list", "--json", "{}"))
        self.assertUsage(self.dbtok("delete", "x", "--json", "{}"))

    def test_help_mentions_json(self):
        r = self.run_cli(["create", "--help"])
        self.assertOk(r)
        self.assertIn("--json JSON|@FILE", r.out)


# ============================================================================ trust (issue 10)
#
# Issue 10 as the command-line tool sees it: no output ever carries the bearer token
# (point 3), a process started with closed descriptors never writes into its own socket
# and never loses a created token (point 4), a profile's token only goes to that
# profile's host (point 5), the terminal never receives control characters or bidi
# overrides from the service (point 10), and bad input is a usage error before anything
# is sent (point 11).

# A bearer token none of whose 8-character runs can occur in other output by chance:
# each holds a letter that is not a hex digit, so no token id or value can contain one.
RANDOM_BEARER = "dapi-Qz7vKx9wLm3nRt5yPq8uHj2kNs4g"

# Code points a terminal must never receive raw from the service: C0 (but LF, which
# ends our own lines), DEL, C1 (U+0085 among them), the line and paragraph separators
# and the bidi embeddings, overrides and isolates (Trojan Source, CVE-2021-42574).
TERMINAL_UNSAFE = (set(range(0x00, 0x20)) - {0x0A}) | {0x7F} | set(range(0x80, 0xA0)) \
    | {0x2028, 0x2029} | set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A))

# One of each, between printable text.
EVIL_COMMENT = ("a\x1b[31mred\x1b[0m b\x07c d\x7fe f\u009b31m g\u0085h i\u2028j k\u2029l "
                "\u202eevil\u202c \u2066iso\u2069 \u202a\u202b\u202d\u2067\u2068 end")


def secret_forms(secret):
    """Every way an echo of `secret` can be written that must never be printed: whole,
    any run of 8 of its characters, JSON-escaped and percent-encoded (part or all)."""
    forms = {secret}
    forms.update(secret[i:i + 8] for i in range(len(secret) - 7))
    forms.add("\\u%04x" % ord(secret[0]) + secret[1:])
    forms.add("".join("\\u%04x" % ord(c) for c in secret))
    forms.add("%%%02x" % ord(secret[0]) + secret[1:])
    forms.add("%%%02X" % ord(secret[0]) + secret[1:])
    forms.add("".join("%%%02x" % ord(c) for c in secret))
    return forms


class TrustTestCase(CliTestCase):
    """Helpers shared by the issue 10 tests."""

    def assertNoBearer(self, r, secret=None):
        secret = secret or self.emu.token
        for form in sorted(secret_forms(secret)):
            self.assertNotIn(form, r.out, "stdout holds %r of the bearer token" % form
                             + r.describe())
            self.assertNotIn(form, r.err, "stderr holds %r of the bearer token" % form
                             + r.describe())

    def assertTerminalSafe(self, data, what, r):
        try:
            text = data.decode("utf-8")  # strict: invalid UTF-8 must be shown escaped
        except UnicodeDecodeError as e:
            self.fail("%s is not UTF-8 (%s)" % (what, e) + r.describe())
        bad = sorted({"U+%04X" % ord(c) for c in text if ord(c) in TERMINAL_UNSAFE})
        self.assertEqual(bad, [], "%s holds raw control or bidi characters" % what
                         + r.describe())

    def assertUsageBeforeSending(self, r, *words):
        self.assertFails(r, USAGE)
        self.assertEqual(len(r.err.strip().splitlines()), 1, "one line" + r.describe())
        for w in words:
            self.assertIn(w, r.err, r.describe())
        st = self.state()
        self.assertEqual((st["connections"], st["requests"]), (0, {}),
                         "nothing may be sent" + r.describe())

    def write_file(self, name, data):
        path = os.path.join(self.home, name)
        with open(path, "wb" if isinstance(data, bytes) else "w") as f:
            f.write(data)
        return path

    def run_closed(self, redirections, args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                   timeout=30):
        """dbtok with --host/--token/--ca-file and `args`, started by sh with the given
        redirections (`>&-` closes stdout), so it begins life with those fds closed."""
        argv = WRAPPER + [CLI, "--host", self.emu.url, "--token", self.emu.token,
                          "--ca-file", self.emu.ca_file] + [str(a) for a in args]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.home}
        for k, v in os.environ.items():
            if k.startswith(PASSTHROUGH_ENV):
                env[k] = v
        cmd = ["sh", "-c", 'exec "$@" ' + redirections, "sh"] + argv
        t0 = time.monotonic()
        proc = subprocess.run(cmd, env=env, cwd=self.home, stdin=subprocess.DEVNULL,
                              stdout=stdout, stderr=stderr, timeout=timeout)
        if proc.stdout is None:
            proc.stdout = b""
        if proc.stderr is None:
            proc.stderr = b""
        r = Result(argv, proc, time.monotonic() - t0)
        self.check_no_leak(r)
        return r

    def assertNothingIntoTheSocket(self, r):
        st = self.state()
        self.assertEqual(st["tls_errors"], 0, "dbtok wrote plain bytes into its TLS socket"
                         + r.describe())
        self.assertEqual(st["malformed_requests"], 0, r.describe())


class OAuthTests(TrustTestCase):
    """Issue 12, point 5: dbtok as a service principal (OAuth machine-to-machine)."""

    # An id and a secret that share no run of 8 characters, as real ones do not, so
    # that the id is shown in -v while the secret is masked.
    ID, SECRET = "5f1c2e4a-0b7d-4c1e-9a3f-2d6b8e0c4a11", "dose0123456789abcdef0123456789abcdef"
    emulator_options = {"extra_args": ["--oauth-client", ID + ":" + SECRET]}

    def oauth_env(self, secret=None):
        env = {"DATABRICKS_CLIENT_ID": self.ID, "DATABRICKS_CLIENT_SECRET": secret or self.SECRET}
        self.secrets.add(env["DATABRICKS_CLIENT_SECRET"])
        return env

    def test_create_list_update_delete_as_service_principal(self):
        env = self.oauth_env()
        created = self.json_out(self.dbtok("-o", "json", "create", "--comment", "sp", "--scope", "sql",
                                           token="", env=env))
        tid = created["token_info"]["token_id"]
        self.assertEqual(created["token_info"]["scopes"], ["sql"])
        listed = self.json_out(self.dbtok("-o", "json", "list", token="", env=env))
        self.assertEqual([t["token_id"] for t in listed], [tid])
        self.assertOk(self.dbtok("update", tid, "--comment", "sp2", token="", env=env))
        self.assertOk(self.dbtok("delete", tid, token="", env=env))
        st = self.state()
        self.assertEqual(st["tokens"], [])
        self.assertEqual(st["oauth_tokens_issued"], 4)  # one per process
        log = [e for e in st["request_log"] if e.get("path", "").startswith("/api/")]
        self.assertTrue(log and all(e.get("auth_kind") == "oauth" for e in log), log)

    def test_profile_with_auth_type_oauth_m2m(self):
        self.write_file(".databrickscfg", "[sp]\nhost = %s\nauth_type = oauth-m2m\nclient_id = %s\n"
                                          "client_secret = %s\n" % (self.emu.url, self.ID, self.SECRET))
        self.secrets.add(self.SECRET)
        r = self.dbtok("-p", "sp", "-v", "list", token="", host="")
        self.assertOk(r)
        self.assertIn("OAuth machine-to-machine as client " + self.ID, r.err)
        self.assertEqual(self.state()["oauth_tokens_issued"], 1)

    def test_wrong_secret_is_the_services_error(self):
        r = self.dbtok("list", token="", env=self.oauth_env(secret="not-the-secret-at-all"))
        self.assertApiError(r, "invalid_client", 401, "Client authentication failed")
        self.assertEqual(self.state()["requests"].get("/api/2.0/token/list"), None)

    def test_half_a_pair_or_two_sources_refused(self):
        r = self.dbtok("list", token="", env={"DATABRICKS_CLIENT_ID": self.ID})
        self.assertFails(r, USAGE)
        self.assertIn("client secret is missing", r.err)
        self.assertEqual(self.state()["connections"], 0)


class MaskedOutputTests(TrustTestCase):
    """Point 3: no output of the tool holds the bearer token in any form."""

    emulator_options = {"tokens": [RANDOM_BEARER]}

    def test_list_comment_echoing_the_bearer_token(self):
        t = RANDOM_BEARER
        comments = [t, "\\u%04x" % ord(t[0]) + t[1:], "%64" + t[1:],
                    "".join("%%%02X" % ord(c) for c in t), "cut " + t[:20],
                    t[10:22] + " middle", "x" * 200 + t]
        for c in comments:
            for fmt in ("text", "json"):
                r = self.dbtok("-o", fmt, "create", "--comment", c)
                self.assertOk(r)
                self.assertNoBearer(r)
        for fmt in ("text", "json"):
            with self.subTest(output=fmt):
                r = self.dbtok("-o", fmt, "list")
                self.assertOk(r)
                self.assertNoBearer(r)
                if fmt == "json":
                    listed = self.json_out(r)
                    self.assertEqual(len(listed), 2 * len(comments))
                    for info in listed:
                        self.assertIn("[REDACTED]", info["comment"], info)

    def test_error_lines_quoting_configuration(self):
        t = RANDOM_BEARER
        # A host URL, an unknown option and a profile's host: each quoted in the error.
        r = self.dbtok("list", host="https://localhost:0/" + t)
        self.assertUsageBeforeSending(r)
        self.assertNoBearer(r)
        r = self.dbtok("list", "--tokn=" + t, token="", env={"DATABRICKS_TOKEN": t})
        self.assertUsageBeforeSending(r)
        self.assertNoBearer(r)
        self.write_file(".databrickscfg", "[DEFAULT]\nhost = https://localhost:0/%s\ntoken = %s\n"
                        % ("%64" + t[1:], t))
        r = self.run_cli(["--ca-file", self.emu.ca_file, "list"])
        self.assertUsageBeforeSending(r)
        self.assertNoBearer(r)

    def test_api_error_echoing_the_bearer_token(self):
        t = RANDOM_BEARER
        message = "token %s, escaped %s, encoded %s, cut %s" % (
            t, "\\u0064" + t[1:], "%64" + t[1:], t[:30])
        for verbose in ([], ["-v"]):
            self.emu.faults([{"path": LIST, "kind": "status", "status": 400,
                              "error_code": "BAD_" + t[:12], "message": message}])
            r = self.dbtok(*(verbose + ["list"]))
            self.assertFails(r, API_ERROR)
            self.assertNoBearer(r)

    def test_verbose_trace_of_a_page_echoing_the_bearer_token(self):
        t = RANDOM_BEARER
        body = "<html>%s %s %s</html>" % ("%64" + t[1:], "\\u0064" + t[1:], t)
        raw = ("HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/html\r\ncontent-length: %d\r\n"
               "connection: close\r\n\r\n%s" % (len(body), body))
        self.emu.faults([{"path": LIST, "kind": "raw", "data": raw, "close": True}])
        r = self.dbtok("-v", "list")
        self.assertFails(r, TRANSPORT)
        self.assertNoBearer(r)


class TerminalEscapeTests(TrustTestCase):
    """Point 10: what the service sends reaches the terminal with its controls escaped."""

    def test_create_and_list_escape_controls(self):
        r = self.dbtok("create", "--comment", EVIL_COMMENT)
        self.assertOk(r)
        self.assertTerminalSafe(r.out_bytes, "create's stdout", r)
        value = self.only_token()["token_value"]
        self.assertIn("token_value  %s\n" % value, r.out, "the value itself is unchanged")
        r = self.dbtok("-o", "json", "create", "--comment", EVIL_COMMENT)
        self.assertTerminalSafe(r.out_bytes, "create -o json", r)
        self.assertEqual(self.json_out(r)["token_info"]["comment"], EVIL_COMMENT)

        r = self.dbtok("list")
        self.assertOk(r)
        self.assertTerminalSafe(r.out_bytes, "the list table", r)
        for escaped in ("\\x1b[31m", "\\x07", "\\x7f", "\\u009b", "\\u0085", "\\u2028",
                        "\\u2029", "\\u202e", "\\u2066", "\\u2069"):
            self.assertIn(escaped, r.out, r.describe())
        self.assertEqual(len(r.out.splitlines()), 3, "a header and one line per token"
                         + r.describe())
        r = self.dbtok("-o", "json", "list")
        self.assertTerminalSafe(r.out_bytes, "list -o json", r)
        self.assertEqual([i["comment"] for i in self.json_out(r)], [EVIL_COMMENT] * 2)

    def test_error_line_escapes_controls(self):
        self.emu.faults([{"path": LIST, "kind": "status", "status": 400,
                          "error_code": "BAD\u202eEDOC", "message": EVIL_COMMENT}])
        r = self.dbtok("list")
        self.assertFails(r, API_ERROR)
        self.assertTerminalSafe(r.err_bytes, "the error line", r)
        self.assertIn("\\u202e", r.err, r.describe())
        self.assertEqual(len(r.err.splitlines()), 1, r.describe())

    def test_verbose_trace_escapes_controls(self):
        # A non-JSON error page: ESC, CSI (U+009B), RLO (U+202E) and U+2028 as UTF-8.
        body = "<p>\x1b[2J\x1b]0;owned\x07 \xc2\x9b31m \xe2\x80\xae \xe2\x80\xa8</p>"
        # (A control character in the head would be refused before it is traced.)
        raw = ("HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/html\r\n"
               "x-evil: \xe2\x80\xae\xc2\x85\r\ncontent-length: %d\r\nconnection: close\r\n\r\n%s"
               % (len(body), body))
        self.emu.faults([{"path": LIST, "kind": "raw", "data": raw, "close": True}])
        r = self.dbtok("-v", "list")
        self.assertFails(r, TRANSPORT)
        self.assertTerminalSafe(r.err_bytes, "the -v trace", r)

    def test_invalid_utf8_is_shown_escaped(self):
        r = self.dbtok(os.fsdecode(b"frob\xff\xc3nicate\xe2\x80"))
        self.assertFails(r, USAGE)
        self.assertTerminalSafe(r.err_bytes, "the usage error", r)
        self.assertIn("\\xff", r.err, r.describe())


class ClosedDescriptorTests(TrustTestCase):
    """Point 4: started with fds closed, dbtok never writes into its socket, and a created
    token whose value cannot be delivered does not stay live."""

    def test_create_with_stdout_closed(self):
        for args in (["create"], ["-o", "json", "create"], ["create", "--recover"]):
            with self.subTest(args=args):
                self.emu.reset()
                r = self.run_closed(">&-", args)
                self.assertNothingIntoTheSocket(r)
                # Decided: a closed stdout cannot take the value, so no token is made.
                self.assertFails(r, USAGE)
                self.assertIn("stdout", r.err, r.describe())
                st = self.state()
                self.assertEqual((st["tokens"], st["requests"]), ([], {}), r.describe())

    def test_list_whose_output_cannot_be_delivered(self):
        self.emu.fill(3)
        r = self.run_closed(">&-", ["list"])
        self.assertNothingIntoTheSocket(r)
        self.assertFails(r, USAGE)
        self.assertEqual(self.state()["requests"], {}, r.describe())
        # A write error is reported as such.
        fd = os.open("/dev/full", os.O_WRONLY)
        try:
            r = self.run_closed("", ["list"], stdout=fd)
        finally:
            os.close(fd)
        self.assertNothingIntoTheSocket(r)
        self.assertEqual(r.rc, TRANSPORT, r.describe())
        self.assertIn("No space left", r.err, r.describe())

    def test_all_standard_descriptors_closed(self):
        for args in (["-v", "create"], ["-v", "list"]):
            with self.subTest(args=args):
                self.emu.reset()
                r = self.run_closed("<&- >&- 2>&-", args, stdout=None, stderr=None)
                self.assertNothingIntoTheSocket(r)
                self.assertNotEqual(r.rc, OK)
                self.assertEqual(self.state()["tokens"], [])

    def test_verbose_with_stderr_closed(self):
        r = self.run_closed("2>&-", ["-v", "create", "--comment", "no stderr"])
        self.assertNothingIntoTheSocket(r)
        self.assertOk(r)
        self.assertIn(self.only_token()["token_value"], r.out)
        r = self.run_closed("2>&-", ["-v", "list"])
        self.assertNothingIntoTheSocket(r)
        self.assertOk(r)
        self.assertIn(self.only_token()["token_id"], r.out)

    def test_create_whose_value_cannot_be_written_is_revoked(self):
        def broken_pipe():
            rd, wr = os.pipe()
            os.close(rd)
            return wr
        for name in ("/dev/full", "a pipe nobody reads"):
            for args in (["create"], ["-o", "json", "create"]):
                with self.subTest(stdout=name, args=args):
                    self.emu.reset()
                    fd = os.open("/dev/full", os.O_WRONLY) if name == "/dev/full" \
                        else broken_pipe()
                    try:
                        r = self.run_closed("", args, stdout=fd)
                    finally:
                        os.close(fd)
                    self.assertNothingIntoTheSocket(r)
                    self.assertEqual(r.rc, TRANSPORT, r.describe())
                    self.assertIn("revoked", r.err, r.describe())
                    st = self.state()
                    self.assertEqual(st["tokens"], [], "the undelivered token is still live")
                    self.assertEqual(len(st["revoked"]), 1, st["revoked"])

    def test_create_whose_revoke_fails_too_is_outcome_unknown(self):
        self.emu.faults([{"path": DELETE, "kind": "status", "status": 500, "times": -1}])
        fd = os.open("/dev/full", os.O_WRONLY)
        try:
            r = self.run_closed("", ["--retries", "0", "create"], stdout=fd)
        finally:
            os.close(fd)
        self.assertEqual(r.rc, UNKNOWN, r.describe())
        token_id = self.only_token()["token_id"]
        self.assertIn(token_id, r.err, "the error names the token to revoke" + r.describe())


class ProfileHostTests(TrustTestCase):
    """Point 5: a credential read from a profile goes only to that profile's host."""

    def setUp(self):
        super().setUp()
        self.closed = "https://localhost:%d" % free_closed_port()

    def cfg(self, text):
        return self.write_file(".databrickscfg", text)

    def cli(self, *args, env=None):
        return self.run_cli(["--ca-file", self.emu.ca_file] + list(args), env=env)

    def test_host_given_skips_the_default_profile(self):
        # The emulator stands in for another workspace: DEFAULT's token is not for it.
        for settings in ("", "[__settings__]\ndefault_profile = work\n"):
            self.cfg(settings + "[DEFAULT]\nhost = %s\ntoken = %s\n[work]\nhost = %s\n"
                     "token = %s\n" % (self.closed, self.emu.token, self.closed, self.emu.token))
            with self.subTest(settings=settings, given="--host"):
                self.assertUsageBeforeSending(self.cli("--host", self.emu.url, "list"),
                                              "no token")
            with self.subTest(settings=settings, given="DATABRICKS_HOST"):
                self.assertUsageBeforeSending(
                    self.cli("list", env={"DATABRICKS_HOST": self.emu.url}), "no token")

    def test_profile_flag_beats_the_environment(self):
        self.cfg("[work]\nhost = %s\ntoken = %s\n" % (self.emu.url, self.emu.token))
        env = {"DATABRICKS_HOST": self.closed, "DATABRICKS_TOKEN": BAD_TOKEN}
        self.assertOk(self.cli("-p", "work", "list", env=env))
        self.assertEqual(self.state()["request_log"][0]["auth"], "valid")

    def test_profile_token_only_with_its_own_host(self):
        self.cfg("[work]\nhost = %s\ntoken = %s\n[tokenonly]\ntoken = %s\n"
                 "[same]\nhost = LOCALHOST:%d/some/path\ntoken = %s\n"
                 % (self.closed, self.emu.token, self.emu.token, self.emu.port, self.emu.token))
        cases = [
            (["-p", "work", "--host", self.emu.url], {}),
            (["-p", "tokenonly", "--host", self.emu.url], {}),
            (["-p", "tokenonly"], {"DATABRICKS_HOST": self.emu.url}),
            ([], {"DATABRICKS_CONFIG_PROFILE": "work", "DATABRICKS_HOST": self.emu.url}),
            (["--host", self.emu.url], {"DATABRICKS_CONFIG_PROFILE": "work"}),
        ]
        for args, env in cases:
            with self.subTest(args=args, env=env):
                self.assertUsageBeforeSending(self.cli(*(args + ["list"]), env=env))
        # The same host after normalisation is that profile's host.
        self.assertOk(self.cli("-p", "same", "--host", "https://localhost:%d/" % self.emu.port,
                               "list"))
        # A token given for this run goes where this run says.
        self.assertOk(self.cli("-p", "work", "--host", self.emu.url, "--token", self.emu.token,
                               "list"))


class InputLimitTests(TrustTestCase):
    """Point 11: bad input is a usage error, one line naming the limit or the file,
    before anything is sent."""

    def test_negative_lifetime(self):
        self.assertUsageBeforeSending(self.dbtok("create", "--lifetime-seconds", "-1"),
                                      "--lifetime-seconds")
        self.assertUsageBeforeSending(self.dbtok("create", "--lifetime-seconds=-3600"),
                                      "--lifetime-seconds")
        self.assertUsageBeforeSending(self.dbtok("create", "--json", '{"lifetime_seconds": -1}'),
                                      "lifetime_seconds")

    def test_comment_not_utf8(self):
        for raw in (b"caf\xe9", b"\xff", b"cut \xe2\x82", b"\xed\xa0\x80 surrogate",
                    b"\xc0\xaf overlong"):
            with self.subTest(comment=raw):
                self.assertUsageBeforeSending(self.dbtok("create", "--comment",
                                                         os.fsdecode(raw)), "UTF-8")

    def test_json_comment_with_nul(self):
        self.assertUsageBeforeSending(self.dbtok("create", "--json", '{"comment": "a\\u0000b"}'),
                                      "comment")

    def test_comment_too_long_for_the_work_buffer(self):
        # The bound counts what the service's escaping may make of each
        # character: six bytes for a '<', so 11,000 of them do not fit.
        for comment in ("x" * 70000, "x" * 65200, "<" * 11000, "\u00e9" * 22000):
            with self.subTest(size=len(comment), first=comment[0]):
                self.assertUsageBeforeSending(self.dbtok("create", "--comment", comment),
                                              "--comment")
        # -o json keeps the answer as it came beside the decoded one: half the room.
        self.assertUsageBeforeSending(self.dbtok("-o", "json", "create", "--comment", "y" * 40000),
                                      "-o json keeps the answer")
        # What fits is sent, and comes back whole.
        self.assertOk(self.dbtok("create", "--comment", "y" * 40000))
        created = self.json_out(self.dbtok("-o", "json", "create", "--comment", "y" * 30000))
        self.assertEqual(created["token_info"]["comment"], "y" * 30000)

    def test_token_id_too_long_for_the_work_buffer(self):
        self.assertUsageBeforeSending(self.dbtok("delete", "f" * 70000), "token id")

    def test_ca_file_that_is_not_a_certificate(self):
        with open(os.path.join(self.emu.dir, "server.key")) as f:
            key = f.read()
        files = {
            "text.pem": "not a certificate\n",
            "empty.pem": "",
            "garbage.pem": "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n"
                           "-----END CERTIFICATE-----\n",
            "key.pem": key,
        }
        for name, text in files.items():
            with self.subTest(file=name):
                path = self.write_file(name, text)
                self.assertUsageBeforeSending(self.dbtok("list", ca_file=path), path)

    def test_fifo_as_config_or_ca_file(self):
        fifo = os.path.join(self.home, "fifo")
        os.mkfifo(fifo)
        r = self.run_cli(["--host", self.emu.url, "--token", self.emu.token, "--ca-file", fifo,
                          "--timeout", "2", "list"], timeout=15)
        self.assertUsageBeforeSending(r, fifo)
        self.assertLess(r.elapsed, 5, r.describe())
        r = self.run_cli(["--ca-file", self.emu.ca_file, "--timeout", "2", "list"],
                         env={"DATABRICKS_CONFIG_FILE": fifo}, timeout=15)
        self.assertUsageBeforeSending(r, fifo)
        self.assertLess(r.elapsed, 5, r.describe())


class VersionTests(CliTestCase):
    def test_version_names_the_mbedtls_the_user_agent_names(self):
        import re
        r = self.run_cli(["--version"])
        self.assertOk(r)
        # "built with" appears only when a shared mbedTLS is not the one compiled against.
        m = re.fullmatch(r"dbtok \S+ \(mbedtls (\d+)\.(\d+)\.(\d+)(?:, built with (\S+))?\)\n", r.out)
        self.assertIsNotNone(m, r.describe())
        running = tuple(int(g) for g in m.group(1, 2, 3))
        built = m.group(4) or "%d.%d.%d" % running
        if running[0] == 3:
            self.assertGreaterEqual(running, (3, 6, 7), "mbedTLS 3 before 3.6.7 lacks its security fixes")
        self.assertOk(self.dbtok("list"))
        ua = {k.lower(): v for k, v in self.state()["request_log"][-1]["headers"]}["user-agent"]
        self.assertIn(" mbedtls/%s " % built, ua + " ", ua)


class JsonRuleTests(CliTestCase):
    """One JSON rule on every path (issue 10, points 7 and 12)."""

    def test_nul_in_strings_and_repeated_keys(self):
        # The answers are sent raw: the emulator would never write them.
        def answer(status, body):
            return ("HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                    % (status, len(body.encode("latin-1")), body))
        tid = "ab" * 32
        # \u0000 is valid JSON: a token whose comment holds one does not break
        # the list, and its comment is shown whole, nothing cut at the NUL.
        listing = ('{"x":"\\u0000","token_infos":[{"token_id":"%s","comment":"before\\u0000after"}]}'
                   % tid)
        self.emu.faults([dict(path=LIST, kind="raw", data=answer(200, listing), times=2)])
        r = self.dbtok("-o", "json", "list")
        self.assertOk(r)
        self.assertEqual(json.loads(r.out)[0]["comment"], "before\x00after", r.describe())
        r = self.dbtok("list")
        self.assertOk(r)
        self.assertIn("after", r.out, r.describe())
        # Two token_value keys (one spelled with an escape): which one is the
        # token? The token may exist, so the outcome is unknown; neither is shown.
        create = ('{"token_value":"dapiA","token\\u005fvalue":"dapiB","token_info":{"token_id":"%s"}}'
                  % tid)
        self.emu.faults([dict(path=CREATE, kind="raw", data=answer(200, create))])
        r = self.dbtok("create")
        self.assertFails(r, UNKNOWN)
        self.assertNotIn("dapiA", r.err)
        self.assertNotIn("dapiB", r.err)
        # An error body with two error_code keys is believed in nothing but its
        # status: an API error (exit 1), neither code reported.
        err = '{"error_code":"RESOURCE_DOES_NOT_EXIST","error_code":"PERMISSION_DENIED","message":"m"}'
        self.emu.faults([dict(path=DELETE, kind="raw", data=answer(404, err))])
        r = self.dbtok("delete", tid)
        self.assertFails(r, API_ERROR)
        self.assertIn("404", r.err, r.describe())
        self.assertNotIn("RESOURCE_DOES_NOT_EXIST", r.err, r.describe())
        self.assertNotIn("PERMISSION_DENIED", r.err, r.describe())


# ============================================================================ main


def main():
    global CLI, WRAPPER
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cli", default=os.environ.get("DBTOK_CLI"),
                   help="path to the dbtok binary (default $DBTOK_CLI)")
    p.add_argument("--wrapper", default=os.environ.get("DBTOK_CLI_WRAPPER", ""),
                   help="command prefix for every invocation, e.g. 'valgrind -q'")
    args, rest = p.parse_known_args()
    if not args.cli:
        sys.stderr.write("test_cli.py: no CLI given: pass --cli PATH/TO/dbtok "
                         "(or set DBTOK_CLI)\n")
        return 2
    CLI = os.path.abspath(args.cli)
    if not (os.path.isfile(CLI) and os.access(CLI, os.X_OK)):
        sys.stderr.write("test_cli.py: dbtok binary not found or not executable: %s\n"
                         "  build it first, then pass its path with --cli\n" % CLI)
        return 2
    WRAPPER = shlex.split(args.wrapper)
    if shutil.which("openssl") is None:
        sys.stderr.write("test_cli.py: openssl is required to generate test certificates\n")
        return 2
    program = unittest.main(argv=[sys.argv[0]] + rest, exit=False)
    return 0 if program.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())

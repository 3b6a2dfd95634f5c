#!/usr/bin/env python3
"""The `dbtok` tool against a hostile or broken service (the emulator's faults).

    python3 tests/integration/test_hostile_server.py --cli build/dbtok [unittest args]

What it proves (issue "Trust"): a service that echoes the bearer token or a token
value (raw, cut at any offset, JSON-escaped, percent-encoded, split over TLS records)
never gets it printed, traced or not; a create answered by a gateway page, an empty 200
or a 204 is an unknown outcome that --recover recovers; a late stray response is never
read as the next answer; a body ended without TLS close_notify is refused.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "emulator"))
sys.dont_write_bytecode = True

from harness import Emulator  # noqa: E402

CLI = None
CREATE = "/api/2.0/token/create"
LIST = "/api/2.0/token/list"
RUN = 8  # DBTOK_MASK_MIN_RUN


def json_escaped(s):
    return "".join("\\u%04x" % ord(ch) for ch in s)


def percent_encoded(s):
    return "".join("%%%02X" % ord(ch) for ch in s)


def decoded_forms(text):
    """text as printed, with JSON \\u escapes and percent-escapes decoded."""
    forms = [text]
    forms.append(re.sub(r"\\u00([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), text))
    forms.append(urllib.parse.unquote(text))
    forms.append(urllib.parse.unquote(forms[1]))
    return forms


def leaked_run(text, secret):
    """The first run of RUN characters of secret visible in text, or None."""
    for form in decoded_forms(text):
        for i in range(0, len(secret) - RUN + 1):
            if secret[i:i + RUN] in form:
                return secret[i:i + RUN]
    return None


def response(status, body, content_type="application/json", headers="", close=False):
    head = "HTTP/1.1 %d X\r\ncontent-type: %s\r\n%s" % (status, content_type, headers)
    if close:
        return head + "connection: close\r\n\r\n" + body
    return head + "content-length: %d\r\n\r\n%s" % (len(body.encode("latin-1")), body)


class Hostile(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = Emulator().__enter__()
        cls.home = tempfile.mkdtemp(prefix="dbtok-hostile-")

    @classmethod
    def tearDownClass(cls):
        cls.emu.__exit__(None, None, None)

    def setUp(self):
        self.emu.reset()

    def run_cli(self, *args, verbose=False, retries=0):
        argv = [CLI, "--host", self.emu.url, "--token", self.emu.token, "--ca-file", self.emu.ca_file,
                "--timeout", "10", "--retries", str(retries)] + (["-v"] if verbose else []) + list(args)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.home}
        for k, v in os.environ.items():
            if k.startswith(("ASAN_", "UBSAN_", "LSAN_", "GCOV_", "LLVM_PROFILE")):
                env[k] = v
        proc = subprocess.run(argv, capture_output=True, env=env, timeout=60)
        out = proc.stdout.decode("utf-8", "surrogateescape")
        err = proc.stderr.decode("utf-8", "surrogateescape")
        return proc.returncode, out, err

    def assert_no_leak(self, secret, *texts):
        for text in texts:
            run = leaked_run(text, secret)
            if run is not None:
                self.fail("secret run %r visible in:\n%s" % (run, text[-2000:]))

    def live(self):
        return self.emu.state()["tokens"]

    # ---- echoes of the bearer token --------------------------------------

    def echo(self, field_value, field="message", verbose=False, fault_extra=None):
        fault = {"path": LIST, "kind": "status", "status": 400}
        if field == "message":
            fault["error_code"] = "INVALID_PARAMETER_VALUE"
            fault["message"] = field_value
        else:
            fault["error_code"] = field_value
            fault["message"] = "m"
        fault.update(fault_extra or {})
        self.emu.faults([fault])
        return self.run_cli("list", verbose=verbose)

    def test_echo_cut_at_every_offset(self):
        # The error record keeps 47 bytes of error_code and 255 of message:
        # the token straddles each cut at every offset, and is never shown.
        token = self.emu.token
        cases = [("error_code", limit) for limit in (47,)] + [("message", 255)]
        for field, limit in cases:
            for start in range(limit - len(token) - 2, limit + 2):
                pad = "x" * max(start, 0)
                rc, out, err = self.echo(pad + token + " tail", field=field)
                self.assertEqual(rc, 1, err)
                self.assert_no_leak(token, out, err)

    def test_echo_encoded_forms(self):
        token = self.emu.token
        forms = [token, json_escaped(token), percent_encoded(token),
                 token[:5] + json_escaped(token[5:12]) + percent_encoded(token[12:])]
        for form in forms:
            for field in ("message", "error_code"):
                rc, out, err = self.echo("bad " + form, field=field, verbose=True)
                self.assertEqual(rc, 1, err)
                self.assert_no_leak(token, out, err)
        # The JSON body itself carries the escape: the message decodes to the
        # token, which is masked after decoding.
        body = '{"error_code":"X","message":"t=%s"}' % json_escaped(token)
        self.emu.faults([{"path": LIST, "kind": "raw", "data": response(400, body)}])
        rc, out, err = self.run_cli("list", verbose=True)
        self.assertEqual(rc, 1, err)
        self.assert_no_leak(token, out, err)

    def test_echo_split_over_records(self):
        # The echo arrives in TLS records of a few bytes, so that no record
        # holds it whole.
        token = self.emu.token
        body = '{"error_code":"X","message":"%s","details":[{"token":"%s"}]}' % (token, json_escaped(token))
        for sizes in ([1], [3, 7], [5, 11, 2]):
            self.emu.faults([{"path": LIST, "kind": "raw", "data": response(401, body), "sizes": sizes}])
            rc, out, err = self.run_cli("list", verbose=True)
            self.assertEqual(rc, 1, err)
            self.assert_no_leak(token, out, err)

    def test_trace_headers_and_long_lines(self):
        token = self.emu.token
        for cut in range(150, 165):
            pad = "p" * (cut - len("x-echo: "))
            headers = ("www-authenticate: Bearer error=\"invalid_token\" token=%s\r\n"
                       "location: /login?t=%s\r\nx-echo: %s%s\r\n"
                       % (token, percent_encoded(token), pad, token))
            data = response(401, '{"error_code":401,"message":"no"}', headers=headers)
            self.emu.faults([{"path": LIST, "kind": "raw", "data": data}])
            rc, out, err = self.run_cli("list", verbose=True)
            self.assertEqual(rc, 1, err)
            self.assert_no_leak(token, out, err)

    def test_trace_hides_every_token_value(self):
        # A second top-level token_value and a nested one: dbtok hands out
        # neither (a duplicate key is malformed), and the trace shows none.
        secrets = ["dapiSECONDffffffffffffffffffffffff", "dapiNESTEDeeeeeeeeeeeeeeeeeeeeeeee"]
        body = ('{"x":{"token_value":"%s"},"token_value":"dapiFIRSTdddddddddddddddddddddddd",'
                '"token_info":{"token_id":"t1"},"token_value":"%s"}' % (secrets[1], secrets[0]))
        self.emu.faults([{"path": CREATE, "kind": "raw", "data": response(200, body)}])
        rc, out, err = self.run_cli("create", "--comment", "c", verbose=True)
        self.assertEqual(rc, 4, err)
        for s in secrets + ["dapiFIRSTdddddddddddddddddddddddd"]:
            self.assert_no_leak(s, out, err)

    # ---- unknown outcomes of a create --------------------------------------

    def test_gateway_answers_are_unknown_outcomes(self):
        shapes = [response(502, "<html><body>Bad Gateway</body></html>", "text/html"),
                  response(504, "", "text/html"),
                  response(200, ""),
                  "HTTP/1.1 204 No Content\r\n\r\n",
                  response(500, '{"error_code":"INTERNAL_ERROR","message":"x"}')]
        for data in shapes:
            self.emu.reset()
            self.emu.faults([{"path": CREATE, "kind": "raw", "process": True, "data": data}])
            rc, out, err = self.run_cli("create", "--comment", "gw")
            self.assertEqual(rc, 4, "%r: %s" % (data, err))
            self.assertEqual(out, "")
            self.assertEqual(len(self.live()), 1)  # the token the gateway hid
            self.emu.reset()
            self.emu.faults([{"path": CREATE, "kind": "raw", "process": True, "data": data}])
            rc, out, err = self.run_cli("create", "--comment", "gw", "--recover")
            self.assertEqual(rc, 0, "%r: %s" % (data, err))
            live = self.live()
            self.assertEqual(len(live), 1, live)
            self.assertIn(live[0]["token_value"], out)

    def test_large_4xx_is_not_unknown(self):
        body = '{"error_code":"INVALID_PARAMETER_VALUE","message":"%s"}' % ("m" * 200000)
        self.emu.faults([{"path": CREATE, "kind": "raw", "data": response(400, body)}])
        rc, out, err = self.run_cli("create", "--comment", "big")
        self.assertNotEqual(rc, 4, err)
        self.assertNotEqual(rc, 0, err)

    # ---- stray responses ---------------------------------------------------

    def test_stray_late_response_never_read(self):
        # The create is made, its answer is a 502 (or an empty 200), and 50 ms
        # later the server sends a second response on the same connection.
        # The recovery must not read it as its list or revoke answer: in the
        # end exactly one token lives, the one printed.
        stray = response(200, "{}")
        for first in (response(502, "<html>Bad Gateway</html>", "text/html"), response(200, "")):
            self.emu.reset()
            self.emu.faults([{"path": CREATE, "kind": "raw", "process": True, "data": first,
                              "stray": {"after_ms": 50, "data": stray}}])
            rc, out, err = self.run_cli("create", "--comment", "stray", "--recover")
            self.assertEqual(rc, 0, err)
            live = self.live()
            self.assertEqual(len(live), 1, live)
            self.assertIn(live[0]["token_value"], out)

    def test_stray_after_list_answer(self):
        # The create's answer is lost after the token was made; the recovery's
        # list is answered, then a stray "{}" follows 50 ms later. Taken for
        # the revoke's answer it would leave the orphan alive.
        self.emu.faults([{"path": CREATE, "kind": "reset_after"},
                         {"path": LIST, "kind": "split", "sizes": [65536],
                          "stray": {"after_ms": 50, "data": response(200, "{}")}}])
        rc, out, err = self.run_cli("create", "--comment", "orphan", "--recover")
        self.assertEqual(rc, 0, err)
        live = self.live()
        self.assertEqual(len(live), 1, live)
        self.assertIn(live[0]["token_value"], out)

    # ---- truncation --------------------------------------------------------

    def test_close_delimited_body_needs_close_notify(self):
        body = '{"token_infos":[]}'
        data = response(200, body, close=True)
        self.emu.faults([{"path": LIST, "kind": "raw", "data": data, "close": True, "close_notify": False,
                          "times": -1}])
        rc, out, err = self.run_cli("list")
        self.assertEqual(rc, 3, err)
        self.assertEqual(out, "")
        self.emu.reset()
        self.emu.faults([{"path": LIST, "kind": "raw", "data": data, "close": True}])
        rc, out, err = self.run_cli("list")
        self.assertEqual(rc, 0, err)
        # A create so ended: the token exists, the answer may be cut.
        create = ('{"token_value":"dapi%s","token_info":{"token_id":"abc","comment":"c"}}' % ("9" * 32))
        self.emu.faults([{"path": CREATE, "kind": "raw", "process": True, "close": True, "close_notify": False,
                          "data": response(200, create, close=True)}])
        rc, out, err = self.run_cli("create", "--comment", "c")
        self.assertEqual(rc, 4, err)
        self.assertEqual(out, "")


def main():
    global CLI
    p = argparse.ArgumentParser()
    p.add_argument("--cli", default=os.environ.get("DBTOK_CLI"))
    args, rest = p.parse_known_args()
    if not args.cli:
        sys.stderr.write("test_hostile_server.py: pass --cli PATH/TO/dbtok\n")
        return 2
    CLI = os.path.abspath(args.cli)
    program = unittest.main(argv=[sys.argv[0]] + rest, exit=False)
    return 0 if program.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())

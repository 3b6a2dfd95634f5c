#!/usr/bin/env python3
"""The C API example against the emulator: create, list and revoke on one
dbtok_client must use one TCP connection and one TLS handshake, leave no
token behind, and survive a server that closes the idle connection.

Usage: test_api_flow.py --example PATH/TO/dbtok_provision
"""
import argparse
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "emulator"))
from harness import Emulator  # noqa: E402

EXAMPLE = None


def run_example(emu, pause_ms=0, oauth=None):
    """oauth: (client id, secret) to authenticate as a service principal instead of the PAT."""
    env = dict(os.environ)
    if oauth:
        env["DATABRICKS_CLIENT_ID"], env["DATABRICKS_CLIENT_SECRET"] = oauth
    return subprocess.run([EXAMPLE, "localhost", str(emu.port), "-" if oauth else emu.token, emu.ca_file,
                           str(pause_ms)], capture_output=True, text=True, timeout=60, env=env)


class ApiFlow(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = Emulator().__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.emu.__exit__(None, None, None)

    def setUp(self):
        self.emu.reset()

    def test_one_connection_one_handshake(self):
        result = run_example(self.emu)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("listed: found", result.stdout)
        self.assertIn("connects=1 handshakes=1 requests=4", result.stdout)
        state = self.emu.state()
        self.assertEqual(state["connections"], 1)
        self.assertEqual(state["handshakes"], 1)
        self.assertEqual(state["requests"].get("/api/2.0/token/create"), 1)
        self.assertEqual(state["requests"].get("/api/2.0/token/list"), 1)
        self.assertEqual(state["requests"].get("/api/2.0/token/delete"), 1)
        self.assertEqual(state["tokens"], [])
        self.assertEqual(len(state["revoked"]), 1)

    def test_idle_close_reopens_before_sending(self):
        # The server closes each idle connection without saying so. With a
        # pause between calls the close has arrived before the next request:
        # the client must notice and send on a new connection. The revoke
        # is not idempotent, so without that check it would fail.
        self.emu.faults([{"path": "*", "kind": "close_after", "times": 2}])
        result = run_example(self.emu, pause_ms=300)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("connects=3 handshakes=3 requests=4", result.stdout)
        state = self.emu.state()
        self.assertEqual(state["requests"].get("/api/2.0/token/create"), 1)
        self.assertEqual(state["requests"].get("/api/2.0/token/list"), 1)
        self.assertEqual(state["requests"].get("/api/2.0/token/delete"), 1)
        self.assertEqual(state["tokens"], [])

    def test_close_racing_an_idempotent_request(self):
        # No pause: the list may go out before the close arrives. A list is
        # idempotent, so it is sent once more; the create is never resent.
        self.emu.faults([{"path": "/api/2.0/token/create", "kind": "close_after"}])
        result = run_example(self.emu)
        self.assertEqual(result.returncode, 0, result.stderr)
        state = self.emu.state()
        self.assertEqual(state["requests"].get("/api/2.0/token/create"), 1)
        self.assertEqual(state["requests"].get("/api/2.0/token/list"), 1)
        self.assertEqual(state["tokens"], [])

    def test_connection_close_header_reconnects(self):
        self.emu.faults([{"path": "*", "kind": "close", "times": 3}])
        result = run_example(self.emu)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("connects=4 handshakes=4 requests=4", result.stdout)

    def test_oauth_flow_one_connection_refresh_mid_flow(self):
        """As a service principal: create (scoped, an hour), list, update, revoke on one
        connection and one handshake; the access token lives 2 s and the calls are 1.5 s
        apart, so it is fetched again mid-flow (after half its life), on that connection."""
        self.emu.config(oauth_lifetime_seconds=2)
        result = run_example(self.emu, pause_ms=1500, oauth=("emu-client-id", "emu-client-secret"))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("connects=1 handshakes=1", result.stdout)
        state = self.emu.state()
        self.assertEqual((state["connections"], state["handshakes"]), (1, 1))
        self.assertGreaterEqual(state["oauth_tokens_issued"], 3)
        self.assertEqual(state["requests"].get("/oidc/v1/token"), state["oauth_tokens_issued"])
        self.assertEqual(state["requests"].get("/api/2.0/token/create"), 1)
        self.assertEqual(state["tokens"], [])
        self.assertEqual(len(state["revoked"]), 1)

    def test_oauth_refetch_after_401(self):
        """A 401 to an access token: one new token, the request once more."""
        self.emu.config(oauth_reject_next=1)
        result = run_example(self.emu, oauth=("emu-client-id", "emu-client-secret"))
        self.assertEqual(result.returncode, 0, result.stderr)
        state = self.emu.state()
        self.assertEqual(state["oauth_tokens_issued"], 2)
        self.assertEqual(state["requests"].get("/api/2.0/token/create"), 2)  # refused unread, then made
        self.assertEqual(state["tokens"], [])

    def test_oauth_wrong_secret(self):
        result = run_example(self.emu, oauth=("emu-client-id", "wrong"))
        self.assertEqual(result.returncode, 1)
        self.assertIn("invalid_client", result.stderr)
        self.assertIn("Client authentication failed", result.stderr)
        self.assertNotIn("wrong", result.stderr.replace("wrong secret", ""))
        self.assertEqual(self.emu.state()["requests"].get("/api/2.0/token/create"), None)

    def test_chunked_everywhere(self):
        self.emu.faults([{"path": "*", "kind": "chunked", "sizes": [1, 2, 5], "times": 3}])
        result = run_example(self.emu)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("connects=1 handshakes=1 requests=4", result.stdout)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--example", required=True)
    args, rest = parser.parse_known_args()
    EXAMPLE = os.path.abspath(args.example)
    unittest.main(argv=[sys.argv[0]] + rest)

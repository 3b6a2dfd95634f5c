#!/usr/bin/env python3
"""TLS refusals: each is refused before any request goes out, each with its
own message, and nothing reaches stdout. Certificates are made at test time
(tests/emulator/gen-certs); the TLS 1.1-only server is `openssl s_server`, the
plaintext one Python's http.server. And the server mbedTLS 3.6.6 refused, a
TLS 1.2-only one signing with RSA-PSS, is accepted in a single handshake.

Usage: test_tls_refusals.py --cli PATH/TO/dbtok
"""
import argparse
import http.server
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "emulator"))
from harness import Emulator  # noqa: E402

CLI = None
TRANSPORT = 3


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Refusals(unittest.TestCase):
    def setUp(self):
        self.home = tempfile.mkdtemp(prefix="dbtok-tls-")

    def list_with(self, url, ca_file, token="dapi-emulator-test-token"):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.home,
               "DATABRICKS_CONFIG_FILE": "/dev/null"}
        r = subprocess.run([CLI, "--host", url, "--token", token, "--ca-file", ca_file, "--retries", "0", "list"],
                           capture_output=True, text=True, env=env, timeout=60)
        self.assertEqual(r.returncode, TRANSPORT, r.stderr)
        self.assertEqual(r.stdout, "")
        self.assertNotIn(token, r.stderr)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        return r.stderr

    def refused_by_emulator(self, expect, **certs):
        with Emulator(**certs) as emu:
            err = self.list_with(emu.url, emu.ca_file, emu.token)
            self.assertIn(expect, err)
            self.assertEqual(emu.state()["requests"], {}, "nothing may be sent to a refused server")
        return err

    def test_untrusted_ca(self):
        with Emulator() as emu, Emulator() as other:
            err = self.list_with(emu.url, other.ca_file, emu.token)
            self.assertIn("not correctly signed by the trusted CA", err)
            self.assertEqual(emu.state()["requests"], {})

    def test_wrong_host_name(self):
        self.refused_by_emulator("Common Name (CN) does not match", san="DNS:other.example")

    def test_expired(self):
        self.refused_by_emulator("validity has expired", validity="expired")

    def test_not_yet_valid(self):
        self.refused_by_emulator("validity starts in the future", validity="future")

    def test_self_signed_leaf(self):
        self.refused_by_emulator("it is self-signed", self_signed=True)

    def test_tls_1_1_only_server(self):
        with Emulator() as emu:
            port = free_port()
            server = subprocess.Popen(
                ["openssl", "s_server", "-accept", str(port), "-cert", os.path.join(emu.dir, "server.pem"),
                 "-key", os.path.join(emu.dir, "server.key"), "-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0",
                 "-quiet"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline:
                    try:
                        socket.create_connection(("127.0.0.1", port), timeout=1).close()
                        break
                    except OSError:
                        time.sleep(0.1)
                err = self.list_with("https://localhost:%d" % port, emu.ca_file)
                # mbedTLS 3.6 gets an alert from the server; 2.28 reads the server's
                # TLS 1.1 hello and refuses it itself.
                self.assertRegex(err, "the server refused the handshake|the server offers neither TLS 1.2 nor TLS 1.3")
            finally:
                server.terminate()
                server.wait(timeout=10)

    def test_plaintext_server(self):
        class Quiet(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

        server = http.server.HTTPServer(("127.0.0.1", 0), Quiet)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            with Emulator() as emu:
                err = self.list_with("https://localhost:%d" % server.server_address[1], emu.ca_file)
                self.assertIn("did not answer in TLS", err)
        finally:
            server.shutdown()
            server.server_close()


class Accepted(unittest.TestCase):
    def test_tls12_only_rsa_pss_server_in_one_handshake(self):
        # mbedTLS 3.6.6 refused a TLS 1.2 ServerKeyExchange signed with RSA-PSS
        # (upstream issue 10668); dbtok used to handshake a second time without PSS.
        # 3.6.7 accepts it, so the first handshake must be the only one.
        with Emulator(rsa=True, extra_args=["--tls-min", "1.2", "--tls-max", "1.2"]) as emu:
            # The case only means something if this server does sign with PSS when
            # offered PSS and PKCS#1 v1.5, PKCS#1 first (OpenSSL's server order wins).
            probe = subprocess.run(
                ["openssl", "s_client", "-connect", "127.0.0.1:%d" % emu.port, "-servername", "localhost",
                 "-tls1_2", "-sigalgs", "RSA+SHA256:rsa_pss_rsae_sha256", "-CAfile", emu.ca_file],
                input="", capture_output=True, text=True, timeout=30)
            self.assertIn("Peer signature type: RSA-PSS", probe.stdout, probe.stdout + probe.stderr)
            # The server may count the probe's handshake after the probe has gone.
            deadline = time.monotonic() + 10
            while emu.state()["handshakes"] < 1 and time.monotonic() < deadline:
                time.sleep(0.05)
            emu.reset()

            home = tempfile.mkdtemp(prefix="dbtok-tls-")
            env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home,
                   "DATABRICKS_CONFIG_FILE": "/dev/null"}
            r = subprocess.run([CLI, "--host", emu.url, "--token", emu.token, "--ca-file", emu.ca_file,
                                "--retries", "0", "list"], capture_output=True, text=True, env=env, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            state = emu.state()
            self.assertEqual((state["connections"], state["handshakes"], state["handshake_failures"]),
                             (1, 1, 0), state)
            self.assertEqual(state["tls_versions"], {"TLSv1.2": 1}, state)
            self.assertEqual(state["requests"], {"/api/2.0/token/list": 1}, state)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", required=True)
    args, rest = parser.parse_known_args()
    CLI = os.path.abspath(args.cli)
    unittest.main(argv=[sys.argv[0]] + rest)

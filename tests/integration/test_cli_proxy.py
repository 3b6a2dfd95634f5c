#!/usr/bin/env python3
"""The `dbtok` tool through HTTP CONNECT proxies (issue 14): real ones and hostile ones.

    python3 tests/integration/test_cli_proxy.py --cli build/dbtok [unittest args]

- tinyproxy (Debian's tinyproxy-bin), started by the test on a free loopback port with its
  own configuration, log and pid file in a temporary folder, in the foreground, and killed
  on every way out: open (create, list, delete through it; one tunnel carries several
  requests), with BasicAuth (right, wrong and missing credentials), and with ConnectPort
  refusing the emulator's port (403). A run without tinyproxy fails: scripts/test installs it.
- hostile_proxy.py: garbage instead of a status line, a 200 with bytes after its head, a 200
  then a close mid-handshake, a 407 that echoes the credentials it was sent, a proxy that
  never answers, very long header and status lines.
- Which proxy: --proxy, https_proxy, HTTPS_PROXY, NO_PROXY, no_proxy; bad proxy URLs.

squid is not started: Debian's package starts a system daemon when installed and pulls in
about 40 MB; tinyproxy covers a real proxy's CONNECT here.

Every invocation runs as in test_cli.py (scrubbed environment, temporary HOME) and is
checked for leaks of the bearer token and of the proxy's password and its Base64 form,
raw, percent-encoded or JSON-escaped, whole or any 8 characters of it.
"""

import argparse
import base64
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True

import test_cli  # noqa: E402
from test_cli import OK, TRANSPORT, USAGE, CliTestCase, free_closed_port  # noqa: E402

HOSTILE_PROXY = os.path.join(HERE, "hostile_proxy.py")
TINYPROXY = shutil.which("tinyproxy")
RUN = 8  # DBTOK_MASK_MIN_RUN
START_TIMEOUT = 10.0

# tinyproxy's BasicAuth takes letters, digits and "-._" only.
TP_USER, TP_PASSWORD = "alice", "S3cr3t-Pa55w0rd.tiny"
# The hostile proxy's victim may use anything a URL can carry.
HOSTILE_USER, HOSTILE_PASSWORD = "bob", "p@ss:W0rd-Secret!x"


def basic(user, password):
    return base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


def percent_all(s):
    return "".join("%%%02X" % ord(c) for c in s)


def decoded_forms(text):
    """text as printed, and with JSON \\u escapes and percent-escapes decoded."""
    forms = [text, re.sub(r"\\u00([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), text)]
    forms += [urllib.parse.unquote(f) for f in forms]
    return forms


def leaked_run(text, secret):
    """The first run of RUN characters of secret visible in text (in any decoded form)."""
    for form in decoded_forms(text):
        if secret in form:
            return secret
        for i in range(0, len(secret) - RUN + 1):
            if secret[i:i + RUN] in form:
                return secret[i:i + RUN]
    return None


def kill_group(proc):
    """SIGTERM the process group, then SIGKILL; wait for the leader."""
    if proc is None or proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


class Tinyproxy:
    """One tinyproxy in the foreground (-d) on 127.0.0.1, with its own config, log and pid."""

    def __init__(self, extra_lines=()):
        self.extra_lines = list(extra_lines)
        self.dir = None
        self.proc = None
        self.port = None

    @property
    def log_path(self):
        return os.path.join(self.dir, "tinyproxy.log")

    def log_text(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def connects(self):
        """The CONNECT requests tinyproxy has read so far."""
        return len(re.findall(r"Request \(file descriptor \d+\): CONNECT ", self.log_text()))

    def start(self):
        self.dir = tempfile.mkdtemp(prefix="dbtok-tinyproxy-")
        try:
            # tinyproxy needs its port in the file; one freed just before may be taken
            # by the time it binds, so a failed bind is tried again on another.
            for _attempt in range(5):
                if self._start_once(free_closed_port()):
                    return self
            raise RuntimeError("tinyproxy did not start:\n" + self.log_text())
        except BaseException:
            self.stop()
            raise

    def _start_once(self, port):
        conf = os.path.join(self.dir, "tinyproxy.conf")
        lines = ["Port %d" % port, "Listen 127.0.0.1", "Timeout 30", "MaxClients 20",
                 'LogFile "%s"' % self.log_path, 'PidFile "%s"' % os.path.join(self.dir, "tinyproxy.pid"),
                 "LogLevel Info", "DisableViaHeader Yes"] + self.extra_lines
        with open(conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        if os.path.exists(self.log_path):
            os.unlink(self.log_path)
        with open(os.path.join(self.dir, "stderr"), "wb") as err:
            self.proc = subprocess.Popen([TINYPROXY, "-d", "-c", conf], stdin=subprocess.DEVNULL,
                                         stdout=err, stderr=err, start_new_session=True)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.proc = None
                return False
            if "Accepting connections" in self.log_text():
                self.port = port
                return True
            time.sleep(0.02)
        kill_group(self.proc)
        self.proc = None
        return False

    def stop(self):
        kill_group(self.proc)
        self.proc = None
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def url(self, userinfo=""):
        return "http://%s127.0.0.1:%d" % (userinfo + "@" if userinfo else "", self.port)


class HostileProxy:
    """hostile_proxy.py in one mode, on a free loopback port."""

    def __init__(self, mode, upstream_port=0):
        self.mode = mode
        self.upstream_port = upstream_port
        self.dir = tempfile.mkdtemp(prefix="dbtok-hostile-proxy-")
        self.proc = None
        self.port = None

    def __enter__(self):
        port_file = os.path.join(self.dir, "port")
        try:
            self.proc = subprocess.Popen([sys.executable, HOSTILE_PROXY, "--mode", self.mode, "--port-file",
                                          port_file, "--upstream-port", str(self.upstream_port)],
                                         stdin=subprocess.DEVNULL, start_new_session=True)
            deadline = time.monotonic() + START_TIMEOUT
            while self.port is None:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("hostile_proxy.py did not start (%s)" % self.mode)
                try:
                    with open(port_file) as f:
                        self.port = int(f.read())
                except (OSError, ValueError):
                    time.sleep(0.02)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        kill_group(self.proc)
        shutil.rmtree(self.dir, ignore_errors=True)
        return False

    def heads(self):
        try:
            with open(os.path.join(self.dir, "port.log")) as f:
                return [json.loads(line)["head"] for line in f]
        except OSError:
            return []

    def url(self, userinfo=""):
        return "http://%s127.0.0.1:%d" % (userinfo + "@" if userinfo else "", self.port)


class ProxyTestCase(CliTestCase):
    """CliTestCase (one emulator per class), with the proxy's secrets checked too."""

    proxy_secrets = (TP_PASSWORD, basic(TP_USER, TP_PASSWORD), HOSTILE_PASSWORD,
                     basic(HOSTILE_USER, HOSTILE_PASSWORD))

    def check_no_leak(self, r):
        super().check_no_leak(r)
        for secret in self.proxy_secrets:
            for name, text in (("stdout", r.out), ("stderr", r.err)):
                run = leaked_run(text, secret)
                self.assertIsNone(run, "the proxy secret %r appeared on %s as %r" % (secret, name, run)
                                  + r.describe())

    def assertExchangeError(self, r, *words):
        self.assertFails(r, TRANSPORT)
        for w in words:
            self.assertIn(w, r.err, r.describe())

    def connections(self):
        return self.state()["connections"]


# ============================================================================ tinyproxy


class TinyproxyTestCase(ProxyTestCase):
    tinyproxy_lines = ()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            cls.proxy = Tinyproxy(cls.tinyproxy_lines).start()
        except BaseException:
            super().tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.proxy.stop()
        super().tearDownClass()


class OpenProxyTests(TinyproxyTestCase):
    def test_every_command_through_the_proxy(self):
        env = {"HTTPS_PROXY": self.proxy.url()}
        before = self.proxy.connects()
        created = self.json_out(self.dbtok("-o", "json", "create", "--comment", "via tinyproxy", env=env))
        tid = created["token_info"]["token_id"]
        self.assertOk(self.dbtok("update", tid, "--comment", "renamed via tinyproxy", env=env))
        listed = self.json_out(self.dbtok("-o", "json", "list", env=env))
        self.assertEqual([(t["token_id"], t["comment"]) for t in listed], [(tid, "renamed via tinyproxy")])
        store = os.path.join(self.home, "rotate.json")
        r = self.dbtok("rotate", "--store", store, env=env)
        self.assertOk(r)
        self.assertTrue(r.out.startswith("created: "), r.describe())
        self.assertOk(self.dbtok("delete", tid, env=env))
        self.assertEqual(len(self.state()["tokens"]), 1)  # the rotation's own
        # Every connection the workspace saw came through the proxy, to the workspace's name.
        self.assertGreaterEqual(self.connections(), 5)
        self.assertEqual(self.proxy.connects() - before, self.connections(), self.proxy.log_text())
        self.assertIn("CONNECT localhost:%d HTTP/1.1" % self.emu.port, self.proxy.log_text())

    def test_one_tunnel_carries_several_requests(self):
        # OAuth: the token request and the list on one connection, kept alive.
        before = self.proxy.connects()
        r = self.dbtok("-v", "list", token="", env={"DATABRICKS_CLIENT_ID": "emu-client-id",
                                                     "DATABRICKS_CLIENT_SECRET": "emu-client-secret",
                                                     "https_proxy": self.proxy.url()})
        self.assertOk(r)
        self.assertIn("1 connection(s), 1 handshake(s), 2 request(s)", r.err, r.describe())
        self.assertIn("proxy 127.0.0.1:%d (from https_proxy), no credentials" % self.proxy.port, r.err)
        self.assertIn("> CONNECT localhost:%d HTTP/1.1" % self.emu.port, r.err)
        self.assertEqual(self.proxy.connects() - before, 1, self.proxy.log_text())
        self.assertEqual(self.connections(), 1)

    def test_which_variable_wins(self):
        dead = "http://127.0.0.1:%d" % free_closed_port()
        before = self.proxy.connects()
        # curl's order: the lowercase https_proxy before HTTPS_PROXY.
        r = self.dbtok("-v", "list", env={"https_proxy": self.proxy.url(), "HTTPS_PROXY": dead})
        self.assertOk(r)
        self.assertIn("(from https_proxy)", r.err)
        # --proxy before both.
        r = self.dbtok("-v", "--proxy", self.proxy.url(), "list", env={"https_proxy": dead, "HTTPS_PROXY": dead})
        self.assertOk(r)
        self.assertIn("(from --proxy)", r.err)
        self.assertEqual(self.proxy.connects() - before, 2)
        # --proxy "" goes direct whatever the environment says; http_proxy is never read.
        self.assertOk(self.dbtok("--proxy", "", "list", env={"https_proxy": dead, "HTTPS_PROXY": dead}))
        self.assertOk(self.dbtok("list", env={"http_proxy": dead, "HTTP_PROXY": dead}))
        self.assertEqual(self.proxy.connects() - before, 2)


class BasicAuthProxyTests(TinyproxyTestCase):
    tinyproxy_lines = ("BasicAuth %s %s" % (TP_USER, TP_PASSWORD),)

    def userinfo(self, password=TP_PASSWORD):
        # Percent-encoded in part, as a URL may carry it: dbtok decodes it, as curl does.
        return "al%69ce:" + urllib.parse.quote(password[:3], safe="") + percent_all(password[3:5]) + password[5:]

    def test_right_credentials(self):
        url = self.proxy.url(self.userinfo())
        r = self.dbtok("-v", "-o", "json", "create", "--comment", "with credentials", env={"HTTPS_PROXY": url})
        self.json_out(r)
        self.assertIn("Basic credentials of user 'alice'", r.err)
        self.assertIn("Proxy-Authorization: Basic [REDACTED]", r.err, r.describe())
        r = self.dbtok("-v", "--proxy", url, "list")
        self.assertOk(r)
        self.assertEqual(len(self.state()["tokens"]), 1)

    def test_missing_credentials(self):
        for verbose in ([], ["-v"]):
            r = self.dbtok(*(verbose + ["list"]), env={"HTTPS_PROXY": self.proxy.url()})
            self.assertExchangeError(r, "proxy 127.0.0.1:%d (from HTTPS_PROXY) wants credentials (HTTP 407)"
                                     % self.proxy.port, "http://USER:PASSWORD@HOST:PORT")
        self.assertEqual(self.connections(), 0)

    def test_wrong_credentials(self):
        # tinyproxy 1.11 answers a wrong password with 401 (a missing one with 407).
        for verbose in ([], ["-v"]):
            r = self.dbtok(*(verbose + ["--proxy", self.proxy.url(self.userinfo("wrong-" + TP_PASSWORD)),
                                        "create"]))
            self.assertExchangeError(r, "refused the credentials of user 'alice' (HTTP 401)",
                                     "user name or password is wrong")
        self.assertEqual(self.connections(), 0)
        self.assertEqual(self.state()["tokens"], [])


class ConnectPortProxyTests(TinyproxyTestCase):
    tinyproxy_lines = ("ConnectPort 443",)  # the emulator is never on 443

    def test_port_refused(self):
        r = self.dbtok("delete", "ab" * 32, env={"HTTPS_PROXY": self.proxy.url()})
        self.assertExchangeError(r, "proxy 127.0.0.1:%d (from HTTPS_PROXY) refused the tunnel to localhost:%d "
                                    "(HTTP 403)" % (self.proxy.port, self.emu.port))
        self.assertEqual(self.connections(), 0)
        self.assertEqual(self.proxy.connects(), 1)


# ============================================================================ hostile


class HostileProxyTests(ProxyTestCase):
    def through(self, mode, *args, userinfo="", timeout=30):
        with HostileProxy(mode, upstream_port=self.emu.port) as proxy:
            r = self.dbtok("-v", "--retries", "0", "--proxy", proxy.url(userinfo), *args, timeout=timeout)
            heads = proxy.heads()
        self.assertTrue(heads and heads[0].startswith("CONNECT localhost:%d HTTP/1.1\r\n" % self.emu.port),
                        "%r" % heads + r.describe())
        return r, proxy.port

    def test_garbage_instead_of_a_status_line(self):
        r, port = self.through("garbage", "list")
        self.assertExchangeError(r, "proxy 127.0.0.1:%d (from --proxy) answered no HTTP" % port)
        self.assertEqual(self.connections(), 0)

    def test_200_with_bytes_after_its_head(self):
        r, port = self.through("body", "create")
        self.assertExchangeError(r, "answered HTTP 200", "bytes after its answer")
        self.assertEqual(self.connections(), 0)

    def test_close_mid_handshake(self):
        r, _ = self.through("close-mid-tls", "create", "--comment", "never sent")
        self.assertFails(r, TRANSPORT)  # nothing was sent: not an unknown outcome
        self.assertEqual(self.state()["tokens"], [])
        self.assertEqual(self.requests(test_cli.CREATE), 0)

    def test_407_echoing_the_credentials(self):
        userinfo = "%s:%s" % (HOSTILE_USER, HOSTILE_PASSWORD)  # a raw '@' and ':' in the password
        r, _ = self.through("echo-407", "list", userinfo=userinfo)
        self.assertExchangeError(r, "refused the credentials of user 'bob' (HTTP 407)")
        self.assertIn("Proxy-Authorization: Basic [REDACTED]", r.err, r.describe())
        self.assertIn("X-Echo: ", r.err, r.describe())  # the echo was traced, masked
        # The proxy saw exactly what curl would have sent.
        r2, _ = self.through("echo-407", "list", userinfo=urllib.parse.quote(HOSTILE_USER) + ":"
                             + urllib.parse.quote(HOSTILE_PASSWORD, safe=""))
        self.assertExchangeError(r2, "HTTP 407")

    def test_407_sees_the_credentials_curl_sends(self):
        with HostileProxy("echo-407") as proxy:
            self.dbtok("--proxy", proxy.url("%s:%s" % (HOSTILE_USER, HOSTILE_PASSWORD)), "list")
            heads = proxy.heads()
        self.assertIn("\r\nProxy-Authorization: Basic %s" % basic(HOSTILE_USER, HOSTILE_PASSWORD), heads[0])
        self.assertIn("\r\nHost: localhost:%d" % self.emu.port, heads[0])

    def test_proxy_that_never_answers(self):
        r, _ = self.through("silent", "--timeout", "2", "list")
        self.assertExchangeError(r, "within 2 s")

    def test_very_long_lines(self):
        for mode in ("long-header", "long-status"):
            with self.subTest(mode=mode):
                r, _ = self.through(mode, "list")
                self.assertFails(r, TRANSPORT)
                self.assertEqual(self.connections(), 0)


# ============================================================================ settings


class ProxySettingsTests(ProxyTestCase):
    def test_no_proxy_goes_direct(self):
        dead = "http://%s@127.0.0.1:%d" % ("%s:%s" % (TP_USER, TP_PASSWORD), free_closed_port())
        for env in ({"HTTPS_PROXY": dead, "NO_PROXY": "localhost"},
                    {"https_proxy": dead, "no_proxy": "example.com, .localhost"},
                    {"HTTPS_PROXY": dead, "NO_PROXY": "localhost:%d" % self.emu.port},
                    {"HTTPS_PROXY": dead, "NO_PROXY": "*"},
                    {"HTTPS_PROXY": dead, "no_proxy": "LOCALHOST", "NO_PROXY": "other.example"}):
            with self.subTest(env=env):
                r = self.dbtok("-v", "list", env=env)
                self.assertOk(r)
                self.assertIn("no proxy: ", r.err, r.describe())
        # --proxy too is exempt, as in curl.
        r = self.dbtok("--proxy", dead, "list", env={"NO_PROXY": "localhost"})
        self.assertOk(r)

    def test_no_proxy_not_matching(self):
        port = free_closed_port()
        dead = "http://127.0.0.1:%d" % port
        for env in ({"HTTPS_PROXY": dead},
                    {"HTTPS_PROXY": dead, "NO_PROXY": "example.com,127.0.0.1,host"},
                    {"HTTPS_PROXY": dead, "NO_PROXY": "localhost:1"},
                    {"HTTPS_PROXY": dead, "no_proxy": "other.example", "NO_PROXY": "localhost"}):
            with self.subTest(env=env):
                r = self.dbtok("--retries", "0", "list", env=env)
                self.assertExchangeError(r, "cannot connect to proxy 127.0.0.1:%d (from HTTPS_PROXY)" % port)
        self.assertEqual(self.connections(), 0)

    def test_bad_proxy_urls_are_usage_errors(self):
        secret = TP_PASSWORD
        cases = [
            ("https://%s:%s@proxy:3128" % (TP_USER, secret), "https:// proxies"),
            ("socks5://%s:%s@proxy:1080" % (TP_USER, secret), "SOCKS"),
            ("http://%s:%s@proxy:0" % (TP_USER, secret), "port"),
            ("http://%s:%s@proxy:65536" % (TP_USER, secret), "port"),
            ("http://%s:%s@" % (TP_USER, secret), "no host name"),
            ("http://%s:%s%%0d%%0aX-Evil:%%201@proxy:3128" % (TP_USER, secret), "control character"),
            ("http://%s:%s/x@proxy:3128" % (TP_USER, secret), "path"),
            ("http://:%s@proxy:3128" % secret, "user name"),
            ("http://%s:%s@pro_xy:3128" % (TP_USER, secret), "not allowed"),
            ("http://%s:%s@%s:3128" % (TP_USER, secret, "a" * 300), "too long"),
        ]
        for url, why in cases:
            for how in ("flag", "env"):
                with self.subTest(url=url, how=how):
                    if how == "flag":
                        r = self.dbtok("-v", "--proxy", url, "list")
                        where = "(from --proxy)"
                    else:
                        r = self.dbtok("-v", "list", env={"HTTPS_PROXY": url})
                        where = "(from HTTPS_PROXY)"
                    self.assertFails(r, USAGE)
                    self.assertIn(why, r.err, r.describe())
                    self.assertIn(where, r.err, r.describe())
                    self.assertNotIn(TP_USER, r.err, r.describe())
        self.assertEqual(self.connections(), 0)

    def test_help_names_the_proxy_settings(self):
        r = self.run_cli(["--help"])
        self.assertOk(r)
        for word in ("--proxy URL", "HTTPS_PROXY", "https_proxy", "NO_PROXY", "localhost"):
            self.assertIn(word, r.out)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--cli", default=os.environ.get("DBTOK_CLI"), help="path to the dbtok binary")
    p.add_argument("--wrapper", default=os.environ.get("DBTOK_CLI_WRAPPER", ""),
                   help="command prefix for every invocation, e.g. 'valgrind -q'")
    args, rest = p.parse_known_args()
    if not args.cli or not os.access(args.cli, os.X_OK):
        sys.stderr.write("test_cli_proxy.py: pass --cli PATH/TO/dbtok (an executable)\n")
        return 2
    test_cli.CLI = os.path.abspath(args.cli)
    test_cli.WRAPPER = shlex.split(args.wrapper)
    if TINYPROXY is None:
        # scripts/test installs it: a run without it would pass on the hostile proxy alone.
        sys.stderr.write("test_cli_proxy.py: tinyproxy not found (apt-get install tinyproxy-bin)\n")
        return 1
    program = unittest.main(argv=[sys.argv[0]] + rest, exit=False)
    return 0 if program.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Start and drive the Token API emulator from tests and scripts.

As a module:

    from harness import Emulator
    with Emulator() as emu:
        emu.faults([{"path": "/api/2.0/token/list", "kind": "chunked", "sizes": [1]}])
        ... run a client against emu.url with emu.token and emu.ca_file ...
        assert emu.state()["requests"]["/api/2.0/token/list"] == 1

As a program (for shell scripts and the demo):

    python3 harness.py serve [--rsa] [--token T ...] [--max-lifetime-seconds N]
                             [--env-file PATH] [--log-stderr] [-- EMULATOR_ARGS...]

prints KEY=value lines (values shell-quoted) and then `READY=1`, and serves until
SIGTERM/SIGINT. See README.md for the exact lines.

Python standard library only.
"""

import argparse
import http.client
import json
import os
import shlex
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
EMULATOR = os.path.join(HERE, "emulator.py")
GEN_CERTS = os.path.join(HERE, "gen-certs")
DEFAULT_TOKEN = "dapi-emulator-test-token"


class EmulatorError(RuntimeError):
    pass


class Emulator:
    """One emulator process with its own throwaway PKI, on 127.0.0.1 and a free port.

    tokens:      valid bearer tokens (the first is `.token`); default the emulator's own.
    rsa:         RSA 2048 certificates instead of ECDSA P-256.
    san:         subjectAltName of the server certificate (to test hostname checks).
    validity:    "expired" or "future" server certificate dates (to test date checks).
    self_signed: a server certificate that signs itself (to test chain checks).
    max_lifetime_seconds: the emulator's lifetime cap for create.
    extra_args:  more emulator.py options, e.g. ["--tls-max", "1.2"].
    """

    host = "127.0.0.1"

    def __init__(self, tokens=None, rsa=False, san=None, max_lifetime_seconds=None,
                 extra_args=(), start_timeout=10.0, log_stderr=False, validity=None,
                 self_signed=False):
        self.tokens = list(tokens) if tokens else [DEFAULT_TOKEN]
        self.rsa = rsa
        self.san = san
        self.validity = validity
        self.self_signed = self_signed
        self.max_lifetime_seconds = max_lifetime_seconds
        self.extra_args = list(extra_args)
        self.start_timeout = start_timeout
        self.log_stderr = log_stderr
        self.dir = None
        self.proc = None
        self.port = None
        self._log = None

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def start(self):
        self.dir = tempfile.mkdtemp(prefix="dbtok-emu-")
        try:
            gen_certs(self.dir, rsa=self.rsa, san=self.san, validity=self.validity,
                      self_signed=self.self_signed)
            port_file = os.path.join(self.dir, "port")
            cmd = [sys.executable, EMULATOR,
                   "--cert", os.path.join(self.dir, "server.pem"),
                   "--key", os.path.join(self.dir, "server.key"),
                   "--bind", self.host, "--port", "0", "--port-file", port_file,
                   "--exit-with-parent"]
            for t in self.tokens:
                cmd += ["--token", t]
            if self.max_lifetime_seconds is not None:
                cmd += ["--max-lifetime-seconds", str(self.max_lifetime_seconds)]
            cmd += self.extra_args
            # The log goes to a file, not a pipe: nobody drains a pipe during a test, and
            # a full pipe would block the emulator mid-request.
            self._log = None if self.log_stderr else open(self.log_path, "wb")
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=self._log)
            self.port = self._wait_for_port(port_file)
        except BaseException:
            self.stop()
            raise

    def _wait_for_port(self, port_file):
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise EmulatorError("emulator exited with status %d during start-up:\n%s"
                                    % (self.proc.returncode, self.log_text()))
            try:
                with open(port_file) as f:
                    return int(f.read().strip())
            except (FileNotFoundError, ValueError):
                time.sleep(0.02)
        raise EmulatorError("emulator did not report a port within %.0f s:\n%s"
                            % (self.start_timeout, self.log_text()))

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None
        if self.dir is not None:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    # ------------------------------------------------------------------ what clients need

    @property
    def token(self):
        return self.tokens[0]

    @property
    def url(self):
        # "localhost", not the IP: the certificate's DNS name is what a client verifies.
        return "https://localhost:%d" % self.port

    @property
    def ca_file(self):
        return os.path.join(self.dir, "ca.pem")

    @property
    def log_path(self):
        return os.path.join(self.dir, "emulator.log")

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", errors="replace")
        except OSError:
            return ""

    # ------------------------------------------------------------------ control API

    def control(self, method, path, body=None):
        """One control call on its own connection (so the emulator can tell test
        traffic from client traffic). Raises EmulatorError on a non-200 answer."""
        ctx = ssl.create_default_context(cafile=self.ca_file)
        # The chain is still verified; the name is not, so control keeps working when a
        # test deliberately gives the server a certificate for another name.
        ctx.check_hostname = False
        if self.validity or self.self_signed:
            # A server certificate made to be refused: control still needs in.
            ctx.verify_mode = ssl.CERT_NONE
        conn = http.client.HTTPSConnection(self.host, self.port, context=ctx, timeout=10)
        try:
            data = None if body is None else json.dumps(body).encode()
            headers = {"Content-Type": "application/json"} if data is not None else {}
            conn.request(method, "/__emulator/" + path, body=data, headers=headers)
            resp = conn.getresponse()
            payload = resp.read()
        finally:
            conn.close()
        result = json.loads(payload.decode("utf-8")) if payload else {}
        if resp.status != 200:
            raise EmulatorError("control %s %s -> %d %s" % (method, path, resp.status, result))
        return result

    def state(self):
        return self.control("GET", "state")

    def reset(self):
        return self.control("POST", "reset", {})

    def faults(self, faults, replace=False):
        return self.control("POST", "faults", {"faults": list(faults), "replace": replace})

    def fill(self, count, **options):
        """Adds tokens directly; options: comment_size, lifetime_seconds, expired, scopes."""
        body = dict(options)
        body["count"] = count
        return self.control("POST", "fill", body)["token_ids"]

    def list_size(self, count):
        return self.control("POST", "list_size", {"count": count})

    def held(self):
        """The requests a "hold" fault is holding right now (see README.md)."""
        return self.state()["held"]

    def wait_held(self, proc=None, timeout=20.0):
        """Waits until a request is held and returns the held list; raises EmulatorError
        when proc (a subprocess.Popen) exits first or nothing is held within timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            held = self.held()
            if held:
                return held
            if proc is not None and proc.poll() is not None:
                raise EmulatorError("the client exited (status %s) before a request was held"
                                    % proc.returncode)
            time.sleep(0.01)
        raise EmulatorError("no request was held within %.0f s" % timeout)

    def config(self, **settings):
        """quota, max_lifetime_seconds, value_suffix, json_style, require_workspace_id,
        oauth_lifetime_seconds, oauth_reject_next."""
        return self.control("POST", "config", settings)


def gen_certs(directory, rsa=False, san=None, validity=None, self_signed=False):
    cmd = [GEN_CERTS, directory]
    if rsa:
        cmd.append("--rsa")
    if san:
        cmd += ["--san", san]
    if validity:
        cmd += ["--validity", validity]
    if self_signed:
        cmd.append("--self-signed")
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=60)
    if r.returncode != 0:
        raise EmulatorError("gen-certs failed (%d):\n%s"
                            % (r.returncode, r.stdout.decode(errors="replace")))


# ---------------------------------------------------------------------- serve mode


def serve(argv):
    p = argparse.ArgumentParser(prog="harness.py serve",
                                description="Run the emulator until SIGTERM/SIGINT.")
    p.add_argument("--rsa", action="store_true")
    p.add_argument("--token", action="append")
    p.add_argument("--max-lifetime-seconds", type=int)
    p.add_argument("--env-file", help="also write the KEY=value lines to this file, "
                                      "atomically, once ready")
    p.add_argument("--log-stderr", action="store_true",
                   help="emulator request log to stderr (default: a file in its temp dir)")
    p.add_argument("emulator_args", nargs="*", help="extra emulator.py options, after --")
    args = p.parse_args(argv)

    # SIGTERM becomes an exception so the context manager below stops the emulator and
    # removes the temporary keys on the way out.
    def on_signal(signum, _frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    with Emulator(tokens=args.token, rsa=args.rsa,
                  max_lifetime_seconds=args.max_lifetime_seconds,
                  extra_args=args.emulator_args, log_stderr=args.log_stderr) as emu:
        values = [
            ("URL", emu.url),
            ("CA_FILE", emu.ca_file),
            ("TOKEN", emu.token),
            ("PORT", str(emu.port)),
            ("PID", str(os.getpid())),
            ("LOG", "" if args.log_stderr else emu.log_path),
        ]
        text = "".join("%s=%s\n" % (k, shlex.quote(v)) for k, v in values) + "READY=1\n"
        if args.env_file:
            tmp = "%s.tmp.%d" % (args.env_file, os.getpid())
            with open(tmp, "w") as f:
                f.write(text)
            os.replace(tmp, args.env_file)
        try:
            sys.stdout.write(text)
            sys.stdout.flush()
        except BrokenPipeError:
            # The reader took what it needed and went away: keep serving, and point
            # stdout at /dev/null so the final flush at exit cannot fail again.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        try:
            while emu.proc.poll() is None:
                time.sleep(0.5)
            sys.stderr.write("harness: emulator exited with status %s\n"
                             % emu.proc.returncode)
            return 1
        finally:
            if args.env_file:
                # Stale values would point a later script at a dead server.
                try:
                    os.unlink(args.env_file)
                except OSError:
                    pass


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "serve":
        return serve(sys.argv[2:])
    sys.stderr.write("usage: harness.py serve [options]  (or import it: see README.md)\n")
    return 2


if __name__ == "__main__":
    sys.exit(main())

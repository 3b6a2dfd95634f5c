#!/usr/bin/env python3
"""`dbtok list` streams (issue 15, point 5): each entry is printed as it arrives, in
text and in JSON, so a list of 100,000 entries comes out whole with the peak memory of a
list of 600; a list that breaks half-way leaves the entries printed so far, exit 3 and a
last stderr line that says how many; a retry never prints an entry twice; a stdout that
stops taking bytes ends the command.

    python3 tests/integration/test_cli_stream.py --cli build/dbtok [unittest args]

The peak is the CLI's maximum resident set size as GNU time reports it (`time -f %M`,
Debian's package `time`): it measures the process from its exec on, which a Python
parent cannot (a child forked or vforked from Python inherits the interpreter's
high-water mark). The 100,000 entries are the emulator's synthetic list (list_size),
which it makes in a second or two.
"""

import argparse
import json
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "emulator"))
sys.dont_write_bytecode = True  # keep __pycache__ out of the source tree

from harness import Emulator  # noqa: E402

CLI = None
GNU_TIME = shutil.which("time")
LIST = "/api/2.0/token/list"
OK, TRANSPORT = 0, 3
SMALL, LARGE = 600, 100_000
# What the peak may grow by from 600 entries to 100,000: the old CLI, which kept the
# whole list, grew by some 4 MiB at 30,000 entries; one entry's buffers are a few KiB.
PEAK_SLACK_KIB = 1024
# The text table's fixed columns: a 64-digit id, two 20-character times, 2 blanks between.
CREATED_AT, EXPIRES_AT, COMMENT_AT = 66, 88, 110


class Run:
    def __init__(self, rc, out, err, peak_kib):
        self.rc, self.out, self.err, self.peak_kib = rc, out, err, peak_kib

    def describe(self):
        return "\n  exit %s\n  stdout (last 500 bytes): %r\n  stderr: %s" % (
            self.rc, self.out[-500:], self.err.decode("utf-8", "replace")[-2000:])


class StreamTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = Emulator().__enter__()
        cls.scratch = tempfile.mkdtemp(prefix="dbtok-stream-")

    @classmethod
    def tearDownClass(cls):
        cls.emu.__exit__(None, None, None)
        shutil.rmtree(cls.scratch, ignore_errors=True)

    def setUp(self):
        self.emu.reset()

    def argv(self, args):
        return [CLI, "--host", self.emu.url, "--token", self.emu.token, "--ca-file", self.emu.ca_file] + args

    def env(self):
        return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.scratch}

    def dbtok(self, *args, measure=False):
        """Runs dbtok ARGS with stdout to a file (so that 50 MB need no pipe reader);
        with measure, under GNU time, whose peak RSS (KiB) the result carries."""
        report = os.path.join(self.scratch, "peak.txt")
        argv = self.argv(list(args))
        if measure:
            self.assertIsNotNone(GNU_TIME, "GNU time is needed (Debian's package 'time'; scripts/test installs it)")
            argv = [GNU_TIME, "-f", "%M", "-o", report] + argv
        with tempfile.TemporaryFile(dir=self.scratch) as out:
            p = subprocess.run(argv, env=self.env(), stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.PIPE,
                               timeout=120)
            out.seek(0)
            data = out.read()
        peak = None
        if measure:
            with open(report) as f:
                peak = int(f.read().split()[-1])  # after "Command exited with non-zero status N"
        r = Run(p.returncode, data, p.stderr, peak)
        self.check_no_secret(r)
        return r

    def check_no_secret(self, r):
        for s in self.emu.tokens:
            self.assertNotIn(s.encode(), r.out, "the bearer token reached stdout")
            self.assertNotIn(s.encode(), r.err, "the bearer token reached stderr")

    def fault(self, **fault):
        fault.setdefault("path", LIST)
        self.emu.faults([fault])

    # ------------------------------------------------------------------ 100,000 entries

    def test_peak_memory_600_and_100000_entries(self):
        peaks = {}
        for fmt in ("text", "json"):
            for n in (SMALL, LARGE):
                with self.subTest(output=fmt, entries=n):
                    self.emu.list_size(n)
                    r = self.dbtok("-o", fmt, "list", measure=True)
                    self.assertEqual(r.rc, OK, r.describe())
                    self.assertEqual(self.entries_in(fmt, r.out), n)
                    peaks[(fmt, n)] = r.peak_kib
        print("\npeak RSS of `dbtok -o FORMAT list` (GNU time %M, KiB):")
        for fmt in ("text", "json"):
            small, large = peaks.get((fmt, SMALL)), peaks.get((fmt, LARGE))
            print("  %-4s  %6d entries: %s   %6d entries: %s" % (fmt, SMALL, small, LARGE, large))
            if small is not None and large is not None:
                self.assertLess(abs(large - small), PEAK_SLACK_KIB,
                                "-o %s: the peak grew with the list's length" % fmt)

    def entries_in(self, fmt, out):
        """How many entries a whole listing holds, checked against the synthetic list."""
        if fmt == "json":
            listed = json.loads(out)
            self.assertEqual(len({i["token_id"] for i in listed}), len(listed), "an entry printed twice")
            self.assertEqual(listed[-1]["comment"], "synthetic token %d" % (len(listed) - 1))
            return len(listed)
        lines = out.decode("utf-8").split("\n")
        self.assertEqual(lines[-1], "", "the table ends with a whole line")
        self.assertTrue(lines[0].startswith("ID "), lines[0])
        rows = lines[1:-1]
        self.assertEqual(len({row.split()[0] for row in rows}), len(rows), "an entry printed twice")
        self.assertTrue(rows[-1].endswith("  synthetic token %d" % (len(rows) - 1)), rows[-1])
        return len(rows)

    def test_limit_stops_reading(self):
        self.emu.list_size(LARGE)
        for fmt in ("text", "json"):
            with self.subTest(output=fmt):
                r = self.dbtok("-o", fmt, "list", "--limit", "3")
                self.assertEqual(r.rc, OK, r.describe())
                self.assertEqual(self.entries_in(fmt, r.out), 3)

    # ------------------------------------------------------------------ broken lists

    def baseline(self, fmt):
        r = self.dbtok("-o", fmt, "list")
        self.assertEqual(r.rc, OK, r.describe())
        return r.out

    def test_list_broken_after_entries_leaves_them_and_exit_3(self):
        self.emu.fill(10, comment_size=40)
        for fmt in ("text", "json"):
            with self.subTest(output=fmt):
                full = self.baseline(fmt)
                before = self.emu.state()["requests"].get(LIST, 0)
                self.fault(kind="truncate")  # half the answer, then FIN: once
                r = self.dbtok("-o", fmt, "list")
                self.assertEqual(r.rc, TRANSPORT, r.describe())
                # Not sent again: the first attempt had handed entries out.
                self.assertEqual(self.emu.state()["requests"][LIST], before + 1)
                self.assertTrue(r.out and full.startswith(r.out) and r.out != full,
                                "stdout is not a proper prefix of the whole list" + r.describe())
                last = r.err.decode().splitlines()[-1]
                self.assertIn("Error: the list is incomplete: it broke after ", last)
                printed = int(last.split("broke after ")[1].split()[0])
                self.assertGreater(printed, 0)
                self.assertLess(printed, 10)
                if fmt == "json":
                    with self.assertRaises(ValueError, msg="a cut array must not parse as JSON"):
                        json.loads(r.out)
                    self.assertTrue(r.out.endswith(b"}"), r.describe())  # whole entries only
                    self.assertEqual(r.out.count(b'"token_id"'), printed)
                    self.assertIn("without its closing ']'", last)
                else:
                    self.assertTrue(r.out.endswith(b"\n"), r.describe())  # whole rows only
                    self.assertEqual(r.out.count(b"\n"), 1 + printed)

    def answer_head_length(self):
        """The byte length of the list answer's status line and headers, from a request
        of our own (the emulator's answers to equal lists have equal heads)."""
        ctx = ssl.create_default_context(cafile=self.emu.ca_file)
        with socket.create_connection(("localhost", self.emu.port), timeout=10) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost") as s:
                s.sendall(("GET %s HTTP/1.1\r\nHost: localhost:%d\r\nAuthorization: Bearer %s\r\n"
                           "Connection: close\r\n\r\n" % (LIST, self.emu.port, self.emu.token)).encode())
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = s.recv(65536)
                    self.assertTrue(chunk, "the answer ended inside its head")
                    data += chunk
        return data.index(b"\r\n\r\n") + 4

    def test_retry_before_the_first_entry_prints_each_once(self):
        # Cut inside the first entry: nothing was handed out, so the list is sent again
        # and the output is the whole list, its header and entries once each.
        self.emu.fill(10, comment_size=40)
        cut = self.answer_head_length() + 30  # a token id alone is 64 bytes
        for fmt in ("text", "json"):
            with self.subTest(output=fmt):
                full = self.baseline(fmt)
                before = self.emu.state()["requests"].get(LIST, 0)
                self.fault(kind="truncate", bytes=cut)
                r = self.dbtok("-o", fmt, "list")
                self.assertEqual(r.rc, OK, r.describe())
                self.assertEqual(self.emu.state()["requests"][LIST], before + 2, "not retried")
                self.assertEqual(r.out, full)

    def test_failure_before_the_first_entry_prints_nothing(self):
        self.emu.fill(3)
        for fmt in ("text", "json"):
            with self.subTest(output=fmt):
                self.fault(kind="truncate", bytes=self.answer_head_length() + 30, times=10)
                r = self.dbtok("-o", fmt, "list")
                self.assertEqual(r.rc, TRANSPORT, r.describe())
                self.assertEqual(r.out, b"", r.describe())
                self.assertNotIn(b"incomplete", r.err, r.describe())

    # ------------------------------------------------------------------ stdout refusing

    def test_closed_pipe_ends_the_list(self):
        # `dbtok list | head -1`: the reader goes away while 100,000 entries stream.
        self.emu.list_size(LARGE)
        for fmt in ("text", "json"):
            with self.subTest(output=fmt):
                with subprocess.Popen(self.argv(["-o", fmt, "list"]), env=self.env(), stdin=subprocess.DEVNULL,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE) as p:
                    try:
                        first = p.stdout.readline()
                        p.stdout.close()
                        err = p.stderr.read()
                        rc = p.wait(timeout=60)
                    finally:
                        if p.poll() is None:
                            p.kill()
                self.assertTrue(first, "nothing was printed before the pipe closed")
                self.assertEqual(rc, TRANSPORT, err)
                self.assertIn(b"Error: cannot write the output: Broken pipe", err)

    def test_non_blocking_stdout_waits_for_room(self):
        # A stdout inherited non-blocking (O_NONBLOCK on the pipe) that a slow reader
        # drains: a full pipe is EAGAIN, which must mean "wait", not "broken".
        self.emu.list_size(30_000)
        read_end, write_end = os.pipe()
        os.set_blocking(write_end, False)
        with subprocess.Popen(self.argv(["list"]), env=self.env(), stdin=subprocess.DEVNULL,
                              stdout=write_end, stderr=subprocess.PIPE) as p:
            os.close(write_end)
            try:
                with os.fdopen(read_end, "rb") as r:
                    first = r.read(1)
                    time.sleep(0.5)  # the pipe fills while nobody reads
                    out = first + r.read()
                err = p.stderr.read()
                rc = p.wait(timeout=120)
            finally:
                if p.poll() is None:
                    p.kill()
        self.assertEqual(rc, OK, err)
        self.assertEqual(out.count(b"\n"), 30_000 + 1, err)  # the header and every entry

    def test_full_disk_ends_the_list(self):
        self.emu.list_size(SMALL)
        for fmt in ("text", "json"):
            with self.subTest(output=fmt):
                with open("/dev/full", "wb") as full:
                    p = subprocess.run(self.argv(["-o", fmt, "list"]), env=self.env(), stdin=subprocess.DEVNULL,
                                       stdout=full, stderr=subprocess.PIPE, timeout=60)
                self.assertEqual(p.returncode, TRANSPORT, p.stderr)
                self.assertIn(b"Error: cannot write the output: No space left on device", p.stderr)

    # ------------------------------------------------------------------ the table's layout

    def raw_list(self, infos):
        body = json.dumps({"token_infos": infos})
        data = ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                % (len(body), body))
        self.fault(kind="raw", data=data)

    def test_text_columns_are_fixed(self):
        long_id = "f" * 70
        self.raw_list([
            {"token_id": "a" * 64, "creation_time": 1796300000000, "expiry_time": -1, "comment": "never ends"},
            {"token_id": "b" * 64, "creation_time": 1796300000000, "expiry_time": 1796400000000},
            {"token_id": "c" * 8, "creation_time": 1796300000000, "expiry_time": 1796400000000, "comment": "x"},
            {"token_id": long_id, "creation_time": 1796300000000, "expiry_time": -1, "comment": "long id"},
        ])
        r = self.dbtok("list")
        self.assertEqual(r.rc, OK, r.describe())
        header, never, no_comment, short_id, long_row = r.out.decode().splitlines()
        for line in (header, never, short_id):
            self.assertEqual([line[CREATED_AT - 2:CREATED_AT], line[EXPIRES_AT - 2:EXPIRES_AT],
                              line[COMMENT_AT - 2:COMMENT_AT]], ["  "] * 3, line)
        self.assertEqual(header[CREATED_AT:].split(), ["CREATED", "EXPIRES", "COMMENT"])
        self.assertEqual(never[EXPIRES_AT:], "never                 never ends")
        self.assertEqual(short_id[:CREATED_AT], "c" * 8 + " " * (CREATED_AT - 8))
        # No comment: the row ends after its expiry, with no trailing blanks.
        self.assertEqual(len(no_comment), EXPIRES_AT + 20)
        # An id longer than its column pushes its row, which still splits on blanks.
        self.assertEqual(long_row.split(), [long_id, "2026-12-03T12:13:20Z", "never", "long", "id"])


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", default=os.environ.get("DBTOK_CLI"), required="DBTOK_CLI" not in os.environ)
    args, rest = parser.parse_known_args()
    CLI = os.path.abspath(args.cli)
    unittest.main(argv=[sys.argv[0]] + rest)

#!/usr/bin/env python3
"""Memory promises, checked against the emulator with the client under a heap
trap (heapless_client.c): no heap call at all for create, list and revoke over
real TLS; the list read through a 2 KiB work buffer whatever its length; an
entry larger than the buffer refused with the size it needs, and its
connection closed rather than reused.

The CLI is run under an LD_PRELOAD heap counter (heap_count_preload.c): its
only heap calls must come from glibc's name resolution, which it documents.

Usage: test_memory.py --client PATH/TO/heapless_client --cli PATH/TO/dbtok
                      --preload PATH/TO/heap_count_preload.so
"""
import argparse
import http.client
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "emulator"))
from harness import Emulator  # noqa: E402

CLIENT = None
CLI = None
PRELOAD = None
WORK = 2048  # the budget for listing 600 tokens
OK, BUFFER_TOO_SMALL, API_ERROR = "0", "-2", "-13"  # dbtok_err values


def run(emu, work, command):
    r = subprocess.run([CLIENT, "localhost", str(emu.port), emu.token, emu.ca_file, str(work), command],
                       capture_output=True, text=True, timeout=120)
    steps = {}
    entries = []
    for line in r.stdout.splitlines():
        words = line.split(" ")
        if words[0] == "entry":
            _, token_id, created, expiry, comment = (words + [""])[:5]
            entries.append((token_id, int(created), int(expiry), bytes.fromhex(comment).decode("utf-8")))
        elif len(words) == 1 and "=" in line:
            key, value = line.split("=", 1)
            steps[key] = value
        elif len(words) > 1:
            steps[words[0]] = dict(w.split("=", 1) for w in words[1:] if "=" in w)
    return r, steps, entries


def api_create(emu, comment):
    """Makes a token through the API itself, as any client would."""
    ctx = ssl.create_default_context(cafile=emu.ca_file)
    conn = http.client.HTTPSConnection("localhost", emu.port, context=ctx, timeout=10)
    try:
        conn.request("POST", "/api/2.0/token/create", body=json.dumps({"comment": comment}),
                     headers={"Authorization": "Bearer " + emu.token, "Content-Type": "application/json"})
        resp = conn.getresponse()
        assert resp.status == 200, resp.read()
        return json.loads(resp.read())["token_info"]["token_id"]
    finally:
        conn.close()


def expected_entries(emu):
    return sorted((t["token_id"], t["creation_time"], t["expiry_time"], t["comment"] or "")
                  for t in emu.state()["tokens"])


class Memory(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.emu = Emulator().__enter__()

    @classmethod
    def tearDownClass(cls):
        cls.emu.__exit__(None, None, None)

    def setUp(self):
        self.emu.reset()

    def assertNoHeap(self, r, fields):
        self.assertEqual(fields.get("heap_calls"), "0", r.stdout + r.stderr)

    def test_flow_makes_no_heap_call(self):
        r, fields, _ = run(self.emu, WORK, "flow")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNoHeap(r, fields)
        self.assertEqual(fields["revoke"]["err"], OK)
        self.assertEqual(fields["revoke"]["status"], "200")
        state = self.emu.state()
        self.assertEqual((state["connections"], state["handshakes"]), (1, 1))
        self.assertEqual(state["tokens"], [])

    def test_600_tokens_through_2k(self):
        self.emu.fill(600)
        r, fields, entries = run(self.emu, WORK, "list")
        self.assertEqual(r.returncode, 0, r.stdout[-500:] + r.stderr)
        self.assertNoHeap(r, fields)
        self.assertEqual(fields["count"], "600")
        self.assertEqual(sorted(entries), expected_entries(self.emu))

    def test_10000_entries_through_2k(self):
        self.emu.list_size(10000)
        r, fields, entries = run(self.emu, WORK, "list")
        self.assertEqual(r.returncode, 0, r.stdout[-500:] + r.stderr)
        self.assertNoHeap(r, fields)
        self.assertEqual(fields["count"], "10000")
        self.assertEqual(len({e[0] for e in entries}), 10000)
        self.assertEqual(entries[9999][3], "synthetic token 9999")

    def test_chunks_split_escapes_and_utf8(self):
        # \\u escapes, surrogate pairs and raw UTF-8, cut by chunk boundaries
        # and TLS records everywhere: the entries must come out exactly.
        comments = ['caf\u00e9 \U0001F600 "q" \\ back', "tab\tnew\nline\u0001", "\u4e2d\u6587" * 40]
        for c in comments:
            api_create(self.emu, c)
        for style in ("ascii", "compact", "pretty"):
            for sizes in ([1], [2, 3], [5, 7, 11], [64, 1, 13]):
                with self.subTest(style=style, sizes=sizes):
                    self.emu.config(json_style=style)
                    self.emu.faults([{"path": "/api/2.0/token/list", "kind": "chunked", "sizes": sizes}])
                    r, fields, entries = run(self.emu, WORK, "list")
                    self.assertEqual(r.returncode, 0, r.stdout[-500:] + r.stderr)
                    self.assertNoHeap(r, fields)
                    self.assertEqual(sorted(entries), expected_entries(self.emu))
        self.emu.faults([{"path": "/api/2.0/token/list", "kind": "split", "sizes": [1, 5, 100]}])
        r, fields, entries = run(self.emu, WORK, "list")
        self.assertEqual(r.returncode, 0, r.stdout[-500:] + r.stderr)
        self.assertEqual(sorted(entries), expected_entries(self.emu))

    def test_entry_larger_than_the_window(self):
        self.emu.fill(2)
        self.emu.fill(1, comment_size=4096)
        r, fields, _ = run(self.emu, WORK, "toobig")
        self.assertNoHeap(r, fields)
        self.assertEqual(fields["list"]["err"], BUFFER_TOO_SMALL, r.stdout)
        needed = int(fields["list"]["needed"])
        # Twice the entry, a little over 4 KiB: while a list streams, its text
        # has half the work buffer and its jsmn tokens the other half.
        self.assertGreater(needed, 2 * 4096)
        self.assertLess(needed, 2 * 5120)
        # The half-read connection was closed: the next call connected anew
        # and got its own, correct answer.
        self.assertEqual(fields["revoke"]["err"], API_ERROR, r.stdout)
        self.assertEqual(fields["revoke"]["status"], "404")
        self.assertEqual(fields["revoke"]["code"], "RESOURCE_DOES_NOT_EXIST")
        self.assertEqual(fields["revoke"]["connects"], "2")
        # The size it stated is enough, and one byte less is not.
        r, fields, entries = run(self.emu, needed, "list")
        self.assertEqual(r.returncode, 0, r.stdout[-500:] + r.stderr)
        self.assertEqual(len(entries), 3)
        r, fields, _ = run(self.emu, needed - 1, "list")
        self.assertEqual(fields["list"]["err"], BUFFER_TOO_SMALL, r.stdout)


class CliHeap(unittest.TestCase):
    """Outside glibc's resolver, the CLI makes no heap call: not for reading
    the profile file, not for tracing, not for output."""

    @classmethod
    def setUpClass(cls):
        cls.emu = Emulator().__enter__()
        cls.tmp = tempfile.mkdtemp(prefix="dbtok-heap-")
        with open(os.path.join(cls.tmp, ".databrickscfg"), "w") as f:
            f.write("[__settings__]\ndefault_profile = dev\n\n[dev]\nhost = %s  # the emulator\n"
                    "token = %s\n" % (cls.emu.url, cls.emu.token))

    @classmethod
    def tearDownClass(cls):
        cls.emu.__exit__(None, None, None)
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def cli(self, *args):
        report = os.path.join(self.tmp, "heap.txt")
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.tmp,
               "DBTOK_CA_FILE": self.emu.ca_file, "LD_PRELOAD": PRELOAD, "DBTOK_HEAP_REPORT": report}
        r = subprocess.run([CLI] + list(args), env=env, capture_output=True, text=True, timeout=60)
        with open(report) as f:
            counts = dict(part.split("=") for part in f.read().split())
        return r, {k: int(v) for k, v in counts.items()}

    def test_only_name_resolution_allocates(self):
        r, counts = self.cli("-o", "json", "create", "--comment", "heap")
        self.assertEqual(r.returncode, 0, r.stderr)
        token_id = json.loads(r.stdout)["token_info"]["token_id"]
        runs = [("-v", "list"), ("list",), ("-o", "json", "list"), ("delete", token_id)]
        results = [counts] + [self.cli(*a)[1] for a in runs]
        for args, c in zip([("create",)] + runs, results):
            with self.subTest(args=args):
                self.assertEqual(c["other"], 0, c)
                self.assertGreater(c["resolver"], 0, c)  # the counter is really there
        self.assertEqual(self.emu.state()["tokens"], [])


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--client", required=True)
    parser.add_argument("--cli", required=True)
    parser.add_argument("--preload", required=True)
    args, rest = parser.parse_known_args()
    CLIENT = os.path.abspath(args.client)
    CLI = os.path.abspath(args.cli)
    PRELOAD = os.path.abspath(args.preload)
    unittest.main(argv=[sys.argv[0]] + rest)

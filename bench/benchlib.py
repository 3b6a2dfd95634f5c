"""What the benchmark scripts share: finding the build's drivers, installing
the peers, running programs, medians, versions and Markdown tables.

Python standard library only.
"""
import os
import re
import shutil
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "tests", "emulator"))
from harness import Emulator  # noqa: E402,F401  (re-exported for the scripts)


def fail(message):
    raise SystemExit("%s: %s" % (os.path.basename(sys.argv[0]), message))


def install_peers(*packages):
    """The peers come from Debian like everything else (scripts/install-deps is
    silent and runs no apt command when they are already there)."""
    r = subprocess.run([os.path.join(ROOT, "scripts", "install-deps")] + list(packages))
    if r.returncode != 0:
        fail("could not install %s (see above)" % " ".join(packages))


def build_file(build, *parts):
    """A program of the host build; says how to get it when it is missing."""
    path = os.path.join(os.path.abspath(build), *parts)
    if not os.access(path, os.X_OK):
        fail("%s not found: build first (cmake -S . -B %s -DCMAKE_BUILD_TYPE=RelWithDebInfo && "
             "cmake --build %s -j2)" % (path, build, build))
    return path


def tool(name):
    path = shutil.which(name)
    if path is None:
        fail("%s not found" % name)
    return path


def run(cmd, timeout=300, check=True, **kw):
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
    if check and r.returncode != 0:
        fail("%s exited with %d:\n%s%s" % (" ".join(cmd[:3]) + " ...", r.returncode, r.stdout[-3000:],
                                           r.stderr[-3000:]))
    return r


def fields(line):
    """key=value words of one line, numbers as int."""
    out = {}
    for word in line.split():
        if "=" in word:
            k, v = word.split("=", 1)
            out[k] = int(v) if re.fullmatch(r"-?\d+", v) else v
    return out


def median(values):
    return statistics.median(values)


def ratio(a, b):
    return float("nan") if b == 0 else a / b


def fmt_int(n):
    return "{:,}".format(int(n))


def table(headers, rows, align=None):
    """A Markdown table; align is a string of l/r per column (default: first
    column left, the rest right)."""
    align = align or "l" + "r" * (len(headers) - 1)
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]

    def line(row):
        return "| " + " | ".join(c.ljust(w) if a == "l" else c.rjust(w)
                                 for c, w, a in zip(row, widths, align)) + " |"

    rule = "|" + "|".join(("-" * (w + 1) + ":") if a == "r" else ("-" * (w + 2))
                          for w, a in zip(widths, align)) + "|"
    return "\n".join([line(cells[0]), rule] + [line(r) for r in cells[1:]])


def verdict(ok, text):
    return ("met: " if ok else "MISSED: ") + text


# ---------------------------------------------------------------- versions


def curl_version():
    first = run([tool("curl"), "--version"]).stdout.splitlines()[0]
    # "curl 7.88.1 (x86_64-pc-linux-gnu) libcurl/7.88.1 OpenSSL/3.0.17 ..."
    words = first.split()
    tls = next((w for w in words if w.startswith("OpenSSL/") or w.startswith("GnuTLS/")), "")
    return "curl %s (%s)" % (words[1], tls) if tls else "curl " + words[1]


def valgrind_version():
    return run([tool("valgrind"), "--version"]).stdout.strip()


def debian_version(package):
    r = run(["dpkg-query", "-W", "-f=${Version}", package], check=False)
    return r.stdout.strip() if r.returncode == 0 else "not installed"


def callgrind_total(out_file):
    """Instructions (Ir) collected in one callgrind output file."""
    with open(out_file) as f:
        text = f.read()
    m = re.search(r"^totals:\s+(\d+)", text, re.M) or re.search(r"^summary:\s+(\d+)", text, re.M)
    if not m:
        fail("no totals in %s" % out_file)
    return int(m.group(1))

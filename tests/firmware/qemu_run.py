"""Run the provisioning firmware under qemu-system-arm against the Token API emulator.

QEMU connects UART0 to the emulator's TLS port as a TCP client (-serial tcp:...), so
the firmware's TLS session reaches the emulator with no relay; settings go in as
semihosting arguments, the exit code comes back through SYS_EXIT_EXTENDED, and the
firmware's output arrives on QEMU's stderr. Every run is bounded by a timeout and
QEMU is killed on every way out. Used by test_firmware.py and bench/footprint.

Python standard library only.
"""

import os
import re
import signal
import subprocess
import tempfile

# The QEMU board for each Cortex-M build: an ARMv6-M image runs unchanged on the M3.
MACHINES = {
    "cortex-m0plus": "mps2-an385",
    "cortex-m3": "mps2-an385",
    "cortex-m4f": "mps2-an386",
}

QEMU = "qemu-system-arm"


class Run:
    def __init__(self, returncode, output, timed_out):
        self.returncode = returncode
        self.output = output
        self.timed_out = timed_out

    def values(self, kind):
        """The key=value pairs of the firmware's 'dbtok-fw: <kind> ...' line, as ints."""
        m = re.search(r"^dbtok-fw: %s((?: [a-z-]+=\d+)+)$" % re.escape(kind), self.output, re.M)
        if not m:
            return None
        return {k: int(v) for k, v in re.findall(r"([a-z-]+)=(\d+)", m.group(1))}


def der_ca(emu):
    """The emulator's CA certificate in DER, the form the firmware takes (a device keeps
    its trust anchor so). Written next to the emulator's PEM; returns the path."""
    path = os.path.join(os.path.dirname(emu.ca_file), "ca.der")
    subprocess.run(["openssl", "x509", "-in", emu.ca_file, "-outform", "DER", "-out", path],
                   check=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                   stderr=subprocess.PIPE, timeout=30)
    return path


def command(elf, cpu, args, serial_port):
    """The QEMU command line that boots elf on the board for cpu with the semihosting
    arguments args and UART0 connected to 127.0.0.1:serial_port."""
    # QEMU's option syntax: a comma inside a value is written twice.
    semihosting = "enable=on,target=native," + ",".join("arg=" + a.replace(",", ",,") for a in args)
    return [QEMU, "-M", MACHINES[cpu], "-display", "none", "-monitor", "none",
            "-semihosting-config", semihosting,
            "-serial", "tcp:127.0.0.1:%d" % serial_port,
            "-kernel", elf]


def run(elf, cpu, emu, ca_file=None, extra_args=(), host="localhost", timeout=60):
    """Boot elf on the board for cpu with UART0 wired to emu; returns a Run. The CA
    file defaults to the emulator's CA in DER."""
    args = ["dbtok_fw", host, str(emu.port), emu.token, ca_file or der_ca(emu)]
    args += list(extra_args)
    cmd = command(elf, cpu, args, emu.port)
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
        timed_out = False
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        out.seek(0)
        text = out.read().decode("utf-8", errors="replace")
    return Run(None if timed_out else proc.returncode, text, timed_out)

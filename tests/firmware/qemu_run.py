"""Run the firmware under qemu-system-arm against the Token API emulator.

QEMU connects UART0 to the emulator's TLS port as a TCP client (-serial tcp:...), so
the firmware's TLS session reaches the emulator with no relay; settings go in as
semihosting arguments, the exit code comes back through SYS_EXIT_EXTENDED, and the
firmware's output arrives on QEMU's stderr. Every run is bounded by a timeout and
QEMU is killed on every way out. Used by test_firmware.py, device.py and bench/footprint.

Ethernet mode (dbtok_fw_eth.elf, dbtok_fw_provision_eth.elf): the board's LAN9118 is on QEMU's user-mode network,
closed off (restrict=on: the guest reaches nothing but what is forwarded), in the
documentation range 192.0.2.0/24: QEMU's DHCP server leases from 192.0.2.15, and each
TCP connection the guest opens to 192.0.2.100:443 starts eth_connector.py, which relays
it to the emulator. The firmware finds that address in its host table (--resolve): no
DNS gets through restrict=on.

Python standard library only.
"""

import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile

# The QEMU board for each Cortex-M build: an ARMv6-M image runs unchanged on the M3.
MACHINES = {
    "cortex-m0plus": "mps2-an385",
    "cortex-m3": "mps2-an385",
    "cortex-m4f": "mps2-an386",
}

QEMU = "qemu-system-arm"

HERE = os.path.dirname(os.path.abspath(__file__))
CONNECTOR = os.path.join(HERE, "eth_connector.py")
# The test network, all of it in 192.0.2.0/24 (RFC 5737, documentation): never a private
# range, which could be a real network's.
NETWORK = "192.0.2.0/24"
GATEWAY = "192.0.2.2"
DHCP_START = "192.0.2.15"
SERVER_ADDRESS = "192.0.2.100"
SERVER_PORT = 443


class Run:
    def __init__(self, returncode, output, timed_out):
        self.returncode = returncode
        self.output = output
        self.timed_out = timed_out

    def values(self, kind):
        return line_values(self.output, kind)


def line_values(output, kind):
    """The key=value pairs of the firmware's 'dbtok-fw: <kind> ...' line, as ints, or None."""
    m = re.search(r"^dbtok-fw: %s((?: [a-z-]+=\d+)+)$" % re.escape(kind), output, re.M)
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


def qemu_value(text):
    """text as a value in a QEMU option: a comma is written twice."""
    return text.replace(",", ",,")


def nic_option(emu_port):
    """-nic for the Ethernet mode: the closed user-mode network whose 192.0.2.100:443
    leads to the emulator on 127.0.0.1:emu_port, one connector per connection."""
    # QEMU splits the command like a shell (no shell runs it): quote the paths.
    connector = " ".join(shlex.quote(a) for a in (sys.executable, CONNECTOR, str(emu_port)))
    return ("user,model=lan9118,net=%s,host=%s,dhcpstart=%s,restrict=on,guestfwd=tcp:%s:%d-cmd:%s"
            % (NETWORK, GATEWAY, DHCP_START, SERVER_ADDRESS, SERVER_PORT, qemu_value(connector)))


def server_args(emu, host, ethernet, resolve=True):
    """The firmware's PORT argument and the options that lead it to emu: UART0 is wired
    to emu already; over Ethernet, the forwarded port and (unless resolve is False) the
    host table's entry that maps host to the forwarded address."""
    if not ethernet:
        return str(emu.port), []
    return str(SERVER_PORT), ["--resolve=%s=%s" % (host, SERVER_ADDRESS)] if resolve else []


def command(elf, cpu, args, serial_port=None, emu_port=None):
    """The QEMU command line that boots elf on the board for cpu with the semihosting
    arguments args and UART0 connected to 127.0.0.1:serial_port, or (Ethernet mode,
    emu_port) the LAN9118 on the test network that leads to 127.0.0.1:emu_port."""
    semihosting = "enable=on,target=native," + ",".join("arg=" + qemu_value(a) for a in args)
    if emu_port is None:
        link = ["-serial", "tcp:127.0.0.1:%d" % serial_port]
    else:
        link = ["-serial", "null", "-nic", nic_option(emu_port)]
    return [QEMU, "-M", MACHINES[cpu], "-display", "none", "-monitor", "none",
            "-semihosting-config", semihosting] + link + ["-kernel", elf]


def run(elf, cpu, emu, ca_file=None, extra_args=(), host="localhost", timeout=60, ethernet=False,
        resolve=True, qemu_options=()):
    """Boot elf on the board for cpu with UART0 wired to emu, or with ethernet over the
    test network (the host table maps host to the emulator's address unless resolve is
    False); returns a Run. The CA file defaults to the emulator's CA in DER. qemu_options
    go to QEMU before the rest (bench/device's -plugin)."""
    port, link_options = server_args(emu, host, ethernet, resolve)
    args = ["dbtok_fw", host, port, emu.token, ca_file or der_ca(emu)] + link_options + list(extra_args)
    if ethernet:
        cmd = command(elf, cpu, args, emu_port=emu.port)
    else:
        cmd = command(elf, cpu, args, serial_port=emu.port)
    cmd[1:1] = list(qemu_options)
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

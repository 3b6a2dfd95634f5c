"""A provisioning device under QEMU for the firmware tests: its flash (a host file), its
boots, and the power cuts a test makes in them.

- Flash: the record store's two slots as dbtok_fw_provision.elf lays them out in its host
  file (port/baremetal/dbtok_flash_store.c over 256-byte pages, slot k at k * 512), read
  with the record format of core/src/store.c, independently of the firmware.
- Bridge: UART0 reaches the emulator through it (QEMU's -serial connects to the bridge,
  the bridge to the emulator), so that it can count the TLS records the device sends and
  cut the power (kill QEMU) part-way through the k-th one or right after it, or when the
  emulator closes the connection (after a "truncate" fault: part of an answer delivered).
  Like a modem, it dials again when the device begins a new TLS session (a ClientHello
  after the first): the UART has no hang-up of its own.
- Device.boot(): one boot with the provisioning arguments; with cut_after_page=N the flash
  driver's gate holds the firmware after each page write until the test lets it go on,
  and QEMU is killed right after the N-th.
- Ethernet (Device(..., ethernet=True), dbtok_fw_provision_eth.elf): the device reaches
  the emulator over QEMU's test network (qemu_run.py), each TLS session a TCP connection
  of its own, so no bridge: the cuts in a TLS record or on the emulator's close are the
  UART's alone; the flash and its gate are the same.

Python standard library only.
"""

import os
import re
import selectors
import signal
import socket
import struct
import subprocess
import tempfile
import threading
import time
import zlib

import qemu_run

PAGE_SIZE = 256
SLOT_SPAN = 512          # DBTOK_FLASH_STORE_SLOT_SPAN(256): a 512-byte slot in two pages
SLOT_SIZE = 512          # DBTOK_STORE_SLOT_SIZE
SLOT_MAGIC = b"dbtk"
SLOT_FORMAT = 2
FLAG_SWEEP = 1
TLS_HANDSHAKE = 22
TLS_APPLICATION_DATA = 23
CLIENT_HELLO = 1
# After a "truncate" fault's half answer, how long the device gets to read it before
# the cut. Pacing only: a cut sooner is still a valid cut, just an earlier one.
READ_PAUSE_S = 0.3


class Record:
    def __init__(self, seq, value, token_id, expiry_ms, floor_s, retire_id, sweep, slot=None):
        self.seq, self.value, self.token_id = seq, value, token_id
        self.expiry_ms, self.floor_s, self.retire_id, self.sweep = expiry_ms, floor_s, retire_id, sweep
        self.slot = slot

    def encode(self):
        """The slot's bytes for this record, as store.c writes them."""
        body = SLOT_MAGIC + bytes([SLOT_FORMAT]) + struct.pack("<I", self.seq)
        body += struct.pack("<H", len(self.value)) + self.value.encode("ascii")
        body += bytes([len(self.token_id)]) + self.token_id.encode("ascii")
        body += struct.pack("<qq", self.expiry_ms, self.floor_s)
        body += bytes([len(self.retire_id)]) + self.retire_id.encode("ascii")
        body += bytes([FLAG_SWEEP if self.sweep else 0])
        body += struct.pack("<I", zlib.crc32(body))
        return body.ljust(SLOT_SIZE, b"\0")

    def __repr__(self):
        return ("Record(seq=%d id=%s retire=%s sweep=%s)"
                % (self.seq, self.token_id[:8] or "-", self.retire_id[:8] or "-", self.sweep))


def decode_slot(slot):
    """The record in one slot's bytes, or None when it holds none (torn, erased)."""
    if len(slot) < SLOT_SIZE or slot[:4] != SLOT_MAGIC or slot[4] != SLOT_FORMAT:
        return None
    end = SLOT_SIZE - 4
    at = 5

    def take(n):
        nonlocal at
        if end - at < n:
            raise ValueError
        at += n
        return slot[at - n:at]

    try:
        seq = struct.unpack("<I", take(4))[0]
        fields = []
        for len_bytes, cap in ((2, 256), (1, 80)):
            n = int.from_bytes(take(len_bytes), "little")
            if n >= cap:
                return None
            fields.append(take(n))
        expiry, floor_s = struct.unpack("<qq", take(16))
        n = take(1)[0]
        if n >= 80:
            return None
        retire = take(n)
        flags = take(1)[0]
    except ValueError:
        return None
    if flags & ~FLAG_SWEEP or any(b"\0" in f for f in fields + [retire]):
        return None
    crc = struct.unpack("<I", slot[at:at + 4])[0]
    if crc != zlib.crc32(slot[:at]):
        return None
    return Record(seq, fields[0].decode("ascii"), fields[1].decode("ascii"), expiry, floor_s,
                  retire.decode("ascii"), bool(flags & FLAG_SWEEP))


def write_record(path, record):
    """record into its slot of the flash file (record.slot)."""
    with open(path, "r+b") as f:
        f.seek(record.slot * SLOT_SPAN)
        f.write(record.encode())


def newer(a, b):
    """Serial-number order, as store.c compares sequence numbers."""
    return a != b and (a - b) % (1 << 32) < (1 << 31)


def read_records(path):
    """The valid records of both slots, newest first."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return []
    data = data.ljust(2 * SLOT_SPAN, b"\xff")
    records = []
    for k in (0, 1):
        r = decode_slot(data[k * SLOT_SPAN:k * SLOT_SPAN + SLOT_SIZE])
        if r:
            r.slot = k
            records.append(r)
    if len(records) == 2 and newer(records[1].seq, records[0].seq):
        records.reverse()
    return records


def tear_page(path, offset, programmed=16):
    """A page program cut early: only the page's first bytes programmed, the rest still
    erased. Every record is longer than 16 bytes (its CRC comes last), so this one is
    always torn."""
    with open(path, "r+b") as f:
        f.seek(offset + programmed)
        f.write(b"\xff" * (PAGE_SIZE - programmed))


def send_quietly(sock, data):
    """A peer gone (the emulator closed, QEMU killed) is what the tests make happen."""
    try:
        sock.sendall(data)
    except OSError:
        pass


class Bridge:
    """UART0 <-> emulator, one connection per boot, with a power cut on a trigger.

    cut_record=(k, "mid"|"end"): kill QEMU once the device has sent half of (or all of)
    its k-th TLS application-data record (1 is the handshake's Finished, 2 the first
    request: with TLS 1.3 every request is one record); nothing more of it is forwarded.
    cut_on_close: kill QEMU when the emulator closes the connection, READ_PAUSE_S after
    forwarding what it sent. After the cut the emulator side stays open until close(), so
    that what the emulator received is processed as it would be from a device gone
    silent."""

    def __init__(self, upstream_port):
        self.upstream_port = upstream_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.cut_record = None
        self.cut_on_close = False
        self.kill = None
        self.cut = False
        self.device_records = []      # (type, length) of each record the device began
        self.sessions = 0             # ClientHellos seen: TLS sessions the device began
        self._held = b""              # device bytes not forwarded yet
        self._record_left = 0         # bytes of the current record still to come
        self._position = 0            # device bytes handed out by _from_device
        self._limit = None            # device bytes to forward in all, once known
        self._forwarded = 0
        self._stop = threading.Event()
        self._device_gone = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _power_cut(self):
        if not self.cut:
            self.cut = True
            if self.kill:
                self.kill()

    def _from_device(self, data):
        """What to do with the device's bytes, record by record: [("send", bytes)] and
        ("redial",) before a ClientHello after the first. A record's bytes go out only
        once its first six (header and handshake type) are known, so that a new
        session is told before any of it is forwarded; where the cut's record is, the
        forwarding stops (_limit, in bytes of the whole stream)."""
        self._held += data
        actions = []
        while self._held:
            if self._record_left == 0:
                if len(self._held) < 6:
                    break
                kind, _version, length = struct.unpack(">BHH", self._held[:5])
                self.device_records.append((kind, length))
                if kind == TLS_HANDSHAKE and self._held[5] == CLIENT_HELLO:
                    self.sessions += 1
                    if self.sessions > 1:
                        actions.append(("redial",))
                if self.cut_record and kind == TLS_APPLICATION_DATA and self._limit is None:
                    apps = sum(1 for k, _ in self.device_records if k == TLS_APPLICATION_DATA)
                    index, where = self.cut_record
                    if apps == index:
                        self._limit = self._position + 5 + (length // 2 if where == "mid" else length)
                self._record_left = 5 + length
            n = min(self._record_left, len(self._held))
            actions.append(("send", self._held[:n]))
            self._held = self._held[n:]
            self._record_left -= n
            self._position += n
        return actions

    def _run(self):
        self.listener.settimeout(30)
        try:
            dev, _ = self.listener.accept()
        except OSError:
            self._device_gone.set()
            return
        up = socket.create_connection(("127.0.0.1", self.upstream_port))
        sel = selectors.DefaultSelector()
        sel.register(dev, selectors.EVENT_READ, "dev")
        sel.register(up, selectors.EVENT_READ, "up")
        try:
            while not self._stop.is_set() and sel.get_map():
                for key, _ in sel.select(timeout=0.05):
                    if key.data == "up" and key.fileobj is not up:
                        continue  # a connection hung up in this round
                    try:
                        data = key.fileobj.recv(65536)
                    except OSError:
                        data = b""
                    if key.data == "dev":
                        if not data:
                            sel.unregister(dev)
                            self._device_gone.set()
                            continue
                        for action in [] if self.cut else self._from_device(data):
                            if action[0] == "redial":
                                # The device's next session: hang up, dial again.
                                if up in (k.fileobj for k in sel.get_map().values()):
                                    sel.unregister(up)
                                up.close()
                                up = socket.create_connection(("127.0.0.1", self.upstream_port))
                                sel.register(up, selectors.EVENT_READ, "up")
                                continue
                            chunk = action[1]
                            if self._limit is not None:
                                chunk = chunk[:max(0, self._limit - self._forwarded)]
                            send_quietly(up, chunk)
                            self._forwarded += len(chunk)
                            if self._limit is not None and self._forwarded >= self._limit:
                                self._power_cut()
                                break
                    else:
                        if not data:
                            sel.unregister(up)
                            if self.cut_on_close and not self.cut:
                                time.sleep(READ_PAUSE_S)
                                self._power_cut()
                            continue
                        if not self.cut:
                            send_quietly(dev, data)
        finally:
            sel.close()
            dev.close()
            up.close()

    def close(self):
        """Once QEMU's end is closed (it is gone: every byte it sent has been seen)."""
        self._device_gone.wait(timeout=10)
        self._stop.set()
        self._thread.join(timeout=10)
        self.listener.close()


class Boot:
    def __init__(self, returncode, output, cut, pages, records):
        self.returncode = returncode
        self.output = output
        self.cut = cut          # QEMU was killed: the power was cut
        self.pages = pages      # (n, offset) of each page write the firmware reported
        self.records = records  # (type, length) of each TLS record the device began

    def values(self, kind):
        """The firmware's 'dbtok-fw: <kind> k=N ...' line (stats, stack) as ints, or None."""
        return qemu_run.line_values(self.output, kind)

    def result(self):
        """The 'dbtok-fw: result ...' line as a dict, or None."""
        m = re.search(r"^dbtok-fw: result (.*)$", self.output, re.M)
        return dict(kv.split("=", 1) for kv in m.group(1).split()) if m else None


class Device:
    """A device called name with its flash in a temporary directory, on UART0 or (ethernet)
    on the test network."""

    def __init__(self, elf, cpu, emu, name, workdir=None, ethernet=False):
        self.elf, self.cpu, self.emu, self.name = elf, cpu, emu, name
        self.ethernet = ethernet
        self.dir = workdir or tempfile.mkdtemp(prefix="dbtok-dev-")
        self.flash = os.path.join(self.dir, "flash.bin")
        self.gate = os.path.join(self.dir, "gate")
        if not os.path.exists(self.gate):
            os.mkfifo(self.gate)
        self.ca = qemu_run.der_ca(emu)

    def erase(self):
        if os.path.exists(self.flash):
            os.unlink(self.flash)

    def records(self):
        return read_records(self.flash)

    def flash_bytes(self):
        try:
            with open(self.flash, "rb") as f:
                return f.read()
        except FileNotFoundError:
            return b""

    def boot(self, bootstrap=None, extra=(), cut_after_page=None, cut_record=None, cut_on_close=False,
             settle_requests=None, timeout=60):
        """One boot; bootstrap is the credential given (None: "-"). Returns a Boot.
        settle_requests: once QEMU is gone, wait until the emulator has received this
        many requests in all (since its reset) and answered the last, before the
        device's connection is closed: a request the device sent whole before its power
        was cut is then processed, as it would be. Over Ethernet there is no bridge to
        cut in a record or on a close, nor to count records (Boot.records is empty)."""
        if self.ethernet and (cut_record is not None or cut_on_close):
            raise ValueError("the bridge's cuts are UART0's: an Ethernet device has no bridge")
        port, link_options = qemu_run.server_args(self.emu, "localhost", self.ethernet)
        args = ["dbtok_fw", "localhost", port, bootstrap or "-", self.ca,
                "--store=" + self.flash, "--device=" + self.name] + link_options + list(extra)
        if cut_after_page is not None:
            args.append("--flash-gate=" + self.gate)
        if self.ethernet:
            bridge = None
            cmd = qemu_run.command(self.elf, self.cpu, args, emu_port=self.emu.port)
        else:
            bridge = Bridge(self.emu.port)
            bridge.cut_record = cut_record
            bridge.cut_on_close = cut_on_close
            cmd = qemu_run.command(self.elf, self.cpu, args, serial_port=bridge.port)
        gate = os.open(self.gate, os.O_RDWR) if cut_after_page is not None else None
        killed = threading.Event()
        started = []

        def kill():
            killed.set()
            try:
                os.killpg(started[0].pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        if bridge is not None:
            bridge.kill = kill
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                start_new_session=True)
        started.append(proc)
        lines, pages = [], []
        deadline = time.monotonic() + timeout
        # A timer, not the reader, bounds the boot: a firmware that hangs prints nothing.
        watchdog = threading.Timer(timeout, kill)
        watchdog.start()
        try:
            for raw in iter(proc.stdout.readline, b""):
                line = raw.decode("utf-8", errors="replace")
                lines.append(line)
                m = re.match(r"dbtok-fw: flash page-write=(\d+) offset=(\d+)", line)
                if m:
                    pages.append((int(m.group(1)), int(m.group(2))))
                    if gate is not None:
                        if int(m.group(1)) == cut_after_page:
                            kill()
                        else:
                            os.write(gate, b"g")
            proc.wait()
            if time.monotonic() >= deadline:
                raise AssertionError("QEMU ran past %d s:\n%s" % (timeout, "".join(lines)))
        finally:
            watchdog.cancel()
            if proc.poll() is None:
                kill()
                proc.wait()
            proc.stdout.close()
            if gate is not None:
                os.close(gate)
            if settle_requests is not None:
                self._settle(settle_requests)
            if bridge is not None:
                bridge.close()
        return Boot(None if killed.is_set() else proc.returncode, "".join(lines), killed.is_set(), pages,
                    bridge.device_records if bridge is not None else [])

    def _settle(self, count):
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            state = self.emu.state()
            log = state["request_log"]
            if sum(state["requests"].values()) >= count and log and log[-1]["status"] is not None:
                return
            time.sleep(0.02)
        raise AssertionError("the emulator did not answer request %d" % count)

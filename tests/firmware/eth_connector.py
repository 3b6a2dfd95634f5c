#!/usr/bin/env python3
"""One guest TCP connection of the Ethernet firmware, relayed to the emulator.

QEMU's user-mode network starts this program for each connection the guest opens to
the forwarded address (-nic user,...,guestfwd=tcp:ADDR:443-cmd:...), with that
connection on its stdin and stdout (and stderr: nothing may be written there, it would
reach the guest as stream bytes). It connects to the emulator on 127.0.0.1:PORT and
copies bytes both ways until both sides have closed; a close on one side is passed on
as a half close, so the guest sees the server's FIN and the server the guest's.

Usage: eth_connector.py PORT

Python standard library only.
"""
import os
import selectors
import socket
import sys

CHUNK = 65536
CONNECT_TIMEOUT_S = 10


def half_close(fd):
    """No more bytes towards fd's reader: a TCP half close when fd is a socket."""
    try:
        socket.socket(fileno=os.dup(fd)).shutdown(socket.SHUT_WR)
    except OSError:
        os.close(fd)


def relay(guest_in, guest_out, server):
    sel = selectors.DefaultSelector()
    sel.register(guest_in, selectors.EVENT_READ, "guest")
    sel.register(server, selectors.EVENT_READ, "server")
    open_ends = 2
    while open_ends:
        for key, _ in sel.select():
            if key.data == "guest":
                data = os.read(guest_in, CHUNK)
                if data:
                    server.sendall(data)
                    continue
                server.shutdown(socket.SHUT_WR)
            else:
                try:
                    data = server.recv(CHUNK)
                except ConnectionResetError:
                    data = b""
                if data:
                    view = memoryview(data)
                    while view:
                        view = view[os.write(guest_out, view):]
                    continue
                half_close(guest_out)
            sel.unregister(key.fileobj)
            open_ends -= 1


def main():
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    port = int(sys.argv[1])
    try:
        server = socket.create_connection(("127.0.0.1", port), timeout=CONNECT_TIMEOUT_S)
    except OSError:
        return 1
    server.settimeout(None)
    try:
        relay(0, 1, server)
    except OSError:
        return 1
    finally:
        server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

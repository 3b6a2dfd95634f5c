#!/usr/bin/env python3
"""HTTPS emulator of the Databricks Token API, for dbtok's tests and demo.

Behaves like the real service as described in WIRE.md (create with scopes, list, delete,
update, OAuth machine-to-machine tokens, the error shapes, unknown fields, integer error
codes) and adds two things the real service cannot offer: a control API under
/__emulator/ and fault injection, so tests can observe exactly what a client sent and
make the wire misbehave on purpose.

The HTTP/1.1 server is hand-written over the TLS socket rather than built on http.server:
fault injection needs byte-level control of framing (chunk sizes, truncation, resets,
verbatim garbage), and strict request parsing catches client bugs that a lenient server
would hide. Python standard library only.

Usage:
  emulator.py --cert server.pem --key server.key [--bind 127.0.0.1] [--port 0]
              [--port-file PATH] [--token TOKEN ...] [--max-lifetime-seconds N]
              [--oauth-client ID:SECRET ...]
              [--tls-min 1.2|1.3] [--tls-max 1.2|1.3] [--tls13-tickets N]
              [--idle-timeout S] [--exit-with-parent] [--quiet]

The control API and fault kinds are documented in README.md next to this file.
"""

import argparse
import base64
import binascii
import copy
import hashlib
import json
import os
import re
import secrets
import signal
import socket
import ssl
import struct
import sys
import threading
import time
import urllib.parse

CREATE_PATH = "/api/2.0/token/create"
LIST_PATH = "/api/2.0/token/list"
DELETE_PATH = "/api/2.0/token/delete"
API_METHODS = {CREATE_PATH: "POST", LIST_PATH: "GET", DELETE_PATH: "POST"}
# PATCH /api/2.0/token/{token_id}; a fault on UPDATE_PATTERN applies to every token id.
TOKEN_PREFIX = "/api/2.0/token/"
UPDATE_PATTERN = TOKEN_PREFIX + "*"
UPDATABLE_FIELDS = ("comment", "scopes")
OIDC_TOKEN_PATH = "/oidc/v1/token"
OIDC_METADATA_PATH = "/oidc/.well-known/oauth-authorization-server"
CONTROL_PREFIX = "/__emulator/"

DEFAULT_TOKEN = "dapi-emulator-test-token"
DEFAULT_OAUTH_CLIENT = ("emu-client-id", "emu-client-secret")
OAUTH_SCOPE = "all-apis"
AUTOSCOPE_RUNNING = "AUTOSCOPE_STATE_RUNNING"
DEFAULT_QUOTA = 600  # per user per workspace, as the real service enforces

# Request limits: generous for a Token API client, small enough that a runaway client
# is noticed rather than buffered forever.
MAX_HEAD_BYTES = 32 * 1024
MAX_BODY_BYTES = 1024 * 1024
REQUEST_LOG_LIMIT = 200
BARE_LF = re.compile(rb"(?<!\r)\n")

REASONS = {
    200: "OK", 302: "Found", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
    404: "Not Found", 405: "Method Not Allowed", 413: "Payload Too Large",
    429: "Too Many Requests", 431: "Request Header Fields Too Large",
    500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway",
    503: "Service Unavailable", 504: "Gateway Timeout",
}

FAULT_KINDS = {
    "chunked", "close", "close_after", "status", "html_error", "login_page",
    "reset_before", "reset_after", "truncate", "raw", "delay", "split", "hold",
}

# How often a held request looks whether its client is gone, and how long it is held at
# most by default (a test that forgot to kill its client then gets its answer late).
HOLD_POLL_S = 0.02
HOLD_DEFAULT_MS = 30000

JSON_STYLES = {"compact", "spaced", "pretty", "ascii"}

HTML_503 = (
    "<!DOCTYPE html>\n<html><head><title>503 Service Unavailable</title></head>\n"
    "<body><h1>Service Unavailable</h1>\n"
    "<p>No webapps are available to handle this request. Please try again later.</p>\n"
    "</body></html>\n"
)

LOGIN_PAGE = (
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<title>Databricks - Sign In</title></head>\n<body>\n"
    "<form method=\"post\" action=\"/login.html\">\n"
    "<input type=\"email\" name=\"username\"><input type=\"password\" name=\"password\">\n"
    "<button type=\"submit\">Sign In</button>\n</form>\n</body></html>\n"
)

QUIET = False


def log(msg):
    if not QUIET:
        sys.stderr.write("[emulator] %s\n" % msg)
        sys.stderr.flush()


def now_ms():
    return int(time.time() * 1000)


class BadRequest(Exception):
    """The request cannot be parsed: answer 4xx and close, as a real front end would."""

    def __init__(self, status, message):
        super().__init__(message)
        self.status = status
        self.message = message


class PeerGone(Exception):
    """The client closed or reset the connection, or went idle past the timeout."""


# --------------------------------------------------------------------------- state


class State:
    """Everything the control API can see or change. One lock guards it all: the
    emulator's throughput is irrelevant, consistency for test assertions is not."""

    def __init__(self, tokens, max_lifetime_seconds, oauth_clients=(DEFAULT_OAUTH_CLIENT,)):
        self.lock = threading.Lock()
        self.boot_tokens = list(tokens)
        # client_id -> client_secret; like the boot tokens, a reset keeps them.
        self.oauth_clients = dict(oauth_clients)
        self.default_config = {
            "quota": DEFAULT_QUOTA,
            "max_lifetime_seconds": max_lifetime_seconds,
            "value_suffix": "",
            "json_style": "compact",
            # A unified host: every API request must name this workspace in
            # X-Databricks-Workspace-Id ("" = a plain workspace host, no header needed).
            "require_workspace_id": "",
            # OAuth access tokens: their lifetime (also the answer's expires_in), and how
            # many API requests bearing a live one are refused as expired anyway, so a
            # test can force a client's refresh-after-401.
            "oauth_lifetime_seconds": 3600,
            "oauth_reject_next": 0,
        }
        self.conn_seq = 0
        self.generation = 0
        self.reset()

    def reset(self):
        # A request still in flight from before the reset (a delay fault, say) must not
        # create a token in the next test's fresh state: it checks the generation.
        self.generation += 1
        self.tokens = {}  # token_id -> record, insertion order = creation order
        self.revoked = []
        self.faults = []
        self.list_size = None
        self.config = dict(self.default_config)
        self.connections = 0
        self.handshakes = 0
        self.handshake_failures = 0
        self.control_connections = 0
        self.tls_versions = {}
        self.requests = {}
        self.control_requests = 0
        self.malformed_requests = 0
        self.tls_errors = 0
        self.request_log = []
        # Access tokens are kept as digests: the state can then never show one, and an
        # expired one is still recognised (401 "Token expired", not 403).
        self.oauth_tokens = {}  # sha256(access token) -> {"client_id", "expiry_time"}
        self.oauth_tokens_issued = 0
        # Requests a "hold" fault is holding right now: {"conn", "method", "path", "process"}.
        self.held = []

    # Called with the lock held.
    def live_tokens(self):
        t = now_ms()
        return [r for r in self.tokens.values() if r["expiry_time"] < 0 or r["expiry_time"] > t]

    def is_valid_bearer(self, value):
        if value in self.boot_tokens or self.oauth_live(value):
            return True
        # Tokens the emulator issued authenticate too, like real PATs, until revoked or
        # expired.
        return any(r["token_value"] == value for r in self.live_tokens())

    def oauth_record(self, value):
        """The access token's record (live or expired), or None if never issued."""
        return self.oauth_tokens.get(hashlib.sha256(value.encode("utf-8", "replace"))
                                     .hexdigest())

    def oauth_live(self, value):
        rec = self.oauth_record(value)
        return rec is not None and rec["expiry_time"] > now_ms()

    def issue_access_token(self, client_id):
        """A new opaque access token (JWT-looking, as Databricks' are; never parse it)."""
        value = "eyJ" + secrets.token_urlsafe(30)
        lifetime = self.config["oauth_lifetime_seconds"]
        self.oauth_tokens[hashlib.sha256(value.encode()).hexdigest()] = {
            "client_id": client_id,
            "expiry_time": now_ms() + lifetime * 1000,
        }
        self.oauth_tokens_issued += 1
        return value, lifetime

    def new_token(self, comment, lifetime_seconds, creation_time=None, scopes=(),
                  autoscope=False):
        value = "dapi" + secrets.token_hex(16) + self.config["value_suffix"]
        created = now_ms() if creation_time is None else creation_time
        expiry = -1 if not lifetime_seconds or lifetime_seconds <= 0 \
            else created + lifetime_seconds * 1000
        rec = {
            "token_id": hashlib.sha256(value.encode()).hexdigest(),
            "token_value": value,
            "comment": comment,
            "creation_time": created,
            "expiry_time": expiry,
            "scopes": list(scopes),
            "autoscope_enabled": bool(autoscope),
            "seq": len(self.tokens) + len(self.revoked),
        }
        self.tokens[rec["token_id"]] = rec
        return rec

    def take_fault(self, method, path):
        """First queued fault matching the request; consumes one use."""
        for i, f in enumerate(self.faults):
            if not fault_path_matches(f["path"], path):
                continue
            if f.get("method") and f["method"].upper() != method:
                continue
            taken = copy.deepcopy(f)
            if f["times"] > 0:
                f["times"] -= 1
                if f["times"] == 0:
                    del self.faults[i]
            return taken
        return None

    def snapshot(self):
        return {
            "connections": self.connections,
            "handshakes": self.handshakes,
            "handshake_failures": self.handshake_failures,
            "control_connections": self.control_connections,
            "tls_versions": dict(self.tls_versions),
            "requests": dict(self.requests),
            "control_requests": self.control_requests,
            "malformed_requests": self.malformed_requests,
            "tls_errors": self.tls_errors,
            "tokens": [
                {k: copy.deepcopy(r[k])
                 for k in ("token_id", "comment", "creation_time", "expiry_time",
                           "token_value", "scopes", "autoscope_enabled")}
                for r in self.live_tokens()
            ],
            "revoked": list(self.revoked),
            "faults_pending": copy.deepcopy(self.faults),
            "list_size": self.list_size,
            "config": dict(self.config),
            "request_log": copy.deepcopy(self.request_log),
            "oauth_tokens_issued": self.oauth_tokens_issued,
            "held": copy.deepcopy(self.held),
        }


def fault_path_matches(pattern, path):
    """A fault's path is "*", an exact path, or UPDATE_PATTERN for the update call on
    any token id (a test rarely knows the id before the client runs)."""
    if pattern in ("*", path):
        return True
    return pattern == UPDATE_PATTERN and update_token_id(path) is not None


# --------------------------------------------------------------------------- JSON


def dumps(obj, style):
    """Serialise a response body. Styles exist so the client's parser meets whitespace
    and \\u escapes (including surrogate pairs) as well as the compact form."""
    if style == "pretty":
        text = json.dumps(obj, ensure_ascii=False, indent=2)
    elif style == "spaced":
        text = json.dumps(obj, ensure_ascii=False, separators=(" , ", " : "))
        text = " \t\r\n" + text + " \n"
    elif style == "ascii":
        text = json.dumps(obj, ensure_ascii=True, separators=(",", ":"))
    else:
        text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8")


def token_info(rec, index):
    """The wire form of a token: known fields in a rotating order, surrounded by fields
    a client must skip (nested objects, arrays, numbers with exponents, escapes)."""
    known = [
        ("token_id", rec["token_id"]),
        ("creation_time", rec["creation_time"]),
        ("expiry_time", rec["expiry_time"]),
    ]
    if rec["comment"] is not None:  # the service omits a comment that was never given
        known.append(("comment", rec["comment"]))
    # Empty fields are omitted, as the service marshals with omitempty.
    if rec.get("scopes"):
        known.append(("scopes", list(rec["scopes"])))
    if rec.get("autoscope_enabled"):
        known.append(("autoscope_state", AUTOSCOPE_RUNNING))
    r = index % len(known)
    known = known[r:] + known[:r]
    before = [
        ("created_by_id", 4242424242424242),
        # A nested unknown member with brackets inside a string: a skipping parser must
        # track depth and strings, not scan for the next "}".
        ("x_future_nested", {"enabled": False, "history": [1, {"k": None}, [], "]}"]}),
    ]
    after = [
        ("owner_id", 4242424242424242),
        ("created_by_username", "emu\"lator\\user@example.com"),
        ("workspace_id", 6.02e+23),
        ("last_used_day", None),
    ]
    if index % 2:
        before, after = after, before
    return dict(before + known + after)


def error_body(code, message, details=None):
    body = {"error_code": code, "message": message}
    if details is not None:
        body["details"] = details
    return body


# --------------------------------------------------------------------------- HTTP


class Request:
    def __init__(self, method, target, version, headers, body):
        self.method = method
        self.target = target
        self.path = target.split("?", 1)[0]
        self.version = version
        self.headers = headers  # list of (name, value) in wire order
        self.body = body

    def header(self, name):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return None

    def wants_keep_alive(self):
        conn = (self.header("Connection") or "").lower()
        tokens = {t.strip() for t in conn.split(",")}
        if self.version == "HTTP/1.0":
            return "keep-alive" in tokens
        return "close" not in tokens


class Connection:
    """One accepted client: buffered reads and the ways a connection can end."""

    def __init__(self, sock, number, peer):
        self.sock = sock
        self.number = number
        self.peer = peer
        self.buf = b""
        # Set when the client's bytes stopped being TLS after the handshake (a process
        # that wrote its output into the socket, say), as opposed to a close.
        self.tls_error = None

    def _fill(self):
        try:
            data = self.sock.recv(65536)
        except (ssl.SSLEOFError, ssl.SSLZeroReturnError) as e:
            raise PeerGone(str(e))
        except ssl.SSLError as e:
            self.tls_error = str(e)
            raise PeerGone(str(e))
        except (socket.timeout, OSError) as e:
            raise PeerGone(str(e))
        if not data:
            raise PeerGone("closed by peer")
        self.buf += data

    def read_head(self):
        """Bytes up to and including the blank line; None on a clean close between
        requests (the normal end of a kept-alive connection)."""
        while True:
            end = self.buf.find(b"\r\n\r\n")
            # A bare LF would make us wait forever for a CRLF CRLF that never comes;
            # answer 400 at once so the client bug is visible.
            if BARE_LF.search(self.buf, 0, end if end >= 0 else len(self.buf)):
                raise BadRequest(400, "request lines must end with CRLF")
            if end >= 0:
                head, self.buf = self.buf[:end + 4], self.buf[end + 4:]
                return head
            if len(self.buf) > MAX_HEAD_BYTES:
                raise BadRequest(431, "request head too large")
            try:
                self._fill()
            except PeerGone:
                if self.buf:
                    raise BadRequest(400, "connection closed inside the request head")
                return None

    def read_exact(self, n):
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def send(self, data):
        try:
            self.sock.sendall(data)
            return True
        except (ssl.SSLError, OSError):
            return False

    def close(self, how):
        """how: "notify" (TLS close_notify, FIN), "fin" (FIN with no close_notify, which
        a client must treat as truncation if it expected more) or "rst" (TCP reset)."""
        try:
            if how == "rst":
                # SO_LINGER with zero timeout turns close() into an RST.
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                     struct.pack("ii", 1, 0))
            else:
                if how == "notify":
                    # Non-blocking unwrap sends close_notify without waiting for the
                    # client's reply.
                    self.sock.settimeout(0)
                    try:
                        self.sock.unwrap()
                    except (ssl.SSLError, OSError, ValueError):
                        pass
                    self.sock.settimeout(1.0)
                self.sock.shutdown(socket.SHUT_WR)
                # Drain briefly before close(): closing with unread input makes the
                # kernel send RST, which could destroy the response we just wrote.
                deadline = time.monotonic() + 1.0
                while time.monotonic() < deadline:
                    try:
                        if not self.sock.recv(4096):
                            break
                    except (OSError, ValueError):
                        break
        except OSError:
            pass
        finally:
            try:
                self.sock.close()
            except OSError:
                pass


def parse_request(conn):
    """Reads one request; strict about framing so client bugs surface as 400s."""
    head = conn.read_head()
    if head is None:
        return None
    try:
        text = head[:-4].decode("latin-1")
    except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes anything
        raise BadRequest(400, "undecodable request head")
    lines = text.split("\r\n")
    if any("\n" in line or "\r" in line for line in lines):
        raise BadRequest(400, "request lines must end with CRLF")
    parts = lines[0].split(" ")
    if len(parts) != 3:
        raise BadRequest(400, "malformed request line")
    method, target, version = parts
    if version not in ("HTTP/1.1", "HTTP/1.0"):
        raise BadRequest(400, "unsupported HTTP version %r" % version)
    if not method.isalpha() or not method.isupper():
        raise BadRequest(400, "malformed method")
    if not target.startswith("/"):
        raise BadRequest(400, "request target must be origin-form")
    headers = []
    for line in lines[1:]:
        if not line or line[0] in " \t":
            raise BadRequest(400, "obsolete line folding or empty header line")
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip() or " " in name:
            raise BadRequest(400, "malformed header line %r" % line[:60])
        headers.append((name, value.strip(" \t")))
    req = Request(method, target, version, headers, b"")
    if version == "HTTP/1.1" and req.header("Host") is None:
        raise BadRequest(400, "missing Host header")
    if req.header("Transfer-Encoding") is not None:
        # The dbtok client always sends Content-Length; anything else is a client bug.
        raise BadRequest(400, "request Transfer-Encoding is not accepted by the emulator")
    lengths = {v for k, v in headers if k.lower() == "content-length"}
    if len(lengths) > 1:
        raise BadRequest(400, "conflicting Content-Length headers")
    if lengths:
        value = lengths.pop()
        if not value.isdigit():
            raise BadRequest(400, "invalid Content-Length")
        n = int(value)
        if n > MAX_BODY_BYTES:
            raise BadRequest(413, "request body too large")
        try:
            req.body = conn.read_exact(n)
        except PeerGone:
            raise BadRequest(400, "connection closed inside the request body")
    return req


def http_date():
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime())


def build_response(status, body, content_type, extra_headers=(), close=False,
                   chunked=None):
    """Serialises a response. Header names are lower-case, as behind the service's
    proxies, so a client that matches header names case-sensitively fails here."""
    lines = ["HTTP/1.1 %d %s" % (status, REASONS.get(status, "Status"))]
    lines.append("date: " + http_date())
    lines.append("server: databricks")
    if content_type:
        lines.append("content-type: " + content_type)
    lines.append("x-request-id: " + secrets.token_hex(8))
    lines.append("strict-transport-security: max-age=31536000; includeSubDomains; preload")
    lines.append("x-content-type-options: nosniff")
    lines.extend(extra_headers)
    if chunked is not None:
        lines.append("Transfer-Encoding: chunked")
        if chunked.get("trailer", True):
            lines.append("Trailer: X-Emulator-Trailer")
        payload = encode_chunked(body, chunked)
    else:
        lines.append("content-length: %d" % len(body))
        payload = body
    if close:
        lines.append("connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload


def encode_chunked(body, fault):
    """Chunked body with sizes cycled from the fault, chunk extensions on some chunks,
    upper- and lower-case hex, and a trailer field: everything RFC 9112 allows."""
    sizes = fault.get("sizes") or [1, 3, 7]
    use_ext = fault.get("extensions", True)
    out = []
    pos = 0
    i = 0
    while pos < len(body):
        piece = body[pos:pos + sizes[i % len(sizes)]]
        size = ("%X" if i % 3 == 2 else "%x") % len(piece)
        ext = ""
        if use_ext and i % 2 == 1:
            ext = ";ext=1" if i % 4 == 1 else ';name="quoted;value"'
        out.append(("%s%s\r\n" % (size, ext)).encode("latin-1") + piece + b"\r\n")
        pos += len(piece)
        i += 1
    last = "0;last=1\r\n" if use_ext else "0\r\n"
    if fault.get("trailer", True):
        last += "X-Emulator-Trailer: done\r\n"
    out.append((last + "\r\n").encode("latin-1"))
    return b"".join(out)


# --------------------------------------------------------------------------- the API


def bearer_check(state, req):
    """Returns (status, body) for an auth failure, or None. Mirrors the service: 401
    when no usable credential was sent, 403 with an integer error_code when the token
    is wrong, 401 UNAUTHENTICATED when an OAuth access token has expired (the answer a
    client must meet with a fresh token, not a failure)."""
    auth = req.header("Authorization")
    if auth is None or not auth.lower().startswith("bearer "):
        return 401, error_body(401, "Credential was not sent or was of an unsupported "
                                    "type for this API.")
    value = auth[7:]
    oauth = state.oauth_record(value)
    if oauth is not None:
        if oauth["expiry_time"] <= now_ms():
            return 401, error_body("UNAUTHENTICATED", "Token expired")
        if state.config["oauth_reject_next"] > 0:
            state.config["oauth_reject_next"] -= 1
            return 401, error_body("UNAUTHENTICATED", "Token expired")
        return None
    if not state.is_valid_bearer(value):
        return 403, error_body(403, "Invalid access token.")
    return None


def workspace_check(state, req):
    """Returns (status, body) when a unified host cannot route the request: the emulator's
    own choice of answer (400 INVALID_PARAMETER_VALUE), the service's is not documented."""
    want = state.config["require_workspace_id"]
    if not want:
        return None
    got = req.header("X-Databricks-Workspace-Id")
    if got != want:
        return 400, error_body("INVALID_PARAMETER_VALUE", "X-Databricks-Workspace-Id must name "
                               "the workspace (got %s)" % ("none" if got is None else repr(got)))
    return None


def json_object_body(req, empty_ok):
    """Parses a request body as a JSON object; raises ApiError on anything else."""
    if not req.body.strip():
        if empty_ok:
            return {}
        raise ApiError(400, "MALFORMED_REQUEST", "Request body is empty.")
    try:
        obj = json.loads(req.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise ApiError(400, "MALFORMED_REQUEST", "Invalid JSON given in the body of the "
                                                 "request: %s" % e)
    if not isinstance(obj, dict):
        raise ApiError(400, "MALFORMED_REQUEST", "Invalid JSON given in the body of the "
                                                 "request - expected a map")
    return obj


class ApiError(Exception):
    def __init__(self, status, code, message):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def check_comment(value, name):
    """A comment field: absent (None) or a string; the JSON parser's error otherwise."""
    if value is not None and not isinstance(value, str):
        raise ApiError(400, "MALFORMED_REQUEST", "Invalid JSON given in the body of the "
                                                 "request - expected a string for %s" % name)
    return value


def check_scopes(value, name):
    """A scopes field: absent (None, meaning none) or an array of non-empty strings. A
    validation error rather than a parse error, so INVALID_PARAMETER_VALUE."""
    if value is None:
        return []
    if not isinstance(value, list) or \
            not all(isinstance(v, str) and v for v in value):
        raise ApiError(400, "INVALID_PARAMETER_VALUE",
                       "%s must be an array of non-empty strings" % name)
    return list(value)


def api_create(state, req):
    body = json_object_body(req, empty_ok=True)
    lifetime = body.get("lifetime_seconds")
    comment = body.get("comment")
    autoscope = body.get("autoscope_enabled")
    if lifetime is not None and (isinstance(lifetime, bool) or not isinstance(lifetime, int)):
        raise ApiError(400, "MALFORMED_REQUEST", "Invalid JSON given in the body of the "
                                                 "request - expected a number for "
                                                 "lifetime_seconds")
    if lifetime is not None and not -(2 ** 63) <= lifetime < 2 ** 63:
        raise ApiError(400, "INVALID_PARAMETER_VALUE", "lifetime_seconds is out of range")
    check_comment(comment, "comment")
    scopes = check_scopes(body.get("scopes"), "scopes")
    if autoscope is not None and not isinstance(autoscope, bool):
        raise ApiError(400, "MALFORMED_REQUEST", "Invalid JSON given in the body of the "
                                                 "request - expected a boolean for "
                                                 "autoscope_enabled")
    cap = state.config["max_lifetime_seconds"]
    if cap is not None and lifetime is not None and lifetime > cap:
        raise ApiError(400, "INVALID_PARAMETER_VALUE",
                       "Requested token lifetime of %d seconds exceeds the maximum lifetime "
                       "of %d seconds allowed by the workspace administrator."
                       % (lifetime, cap))
    if len(state.live_tokens()) >= state.config["quota"]:
        raise ApiError(400, "QUOTA_EXCEEDED",
                       "Cannot create more than %d tokens for a user in this workspace. "
                       "Revoke unused tokens and try again." % state.config["quota"])
    rec = state.new_token(comment, lifetime, scopes=scopes, autoscope=bool(autoscope))
    return 200, {"token_value": rec["token_value"], "token_info": token_info(rec, rec["seq"])}


def api_list(state, req):
    if state.list_size is not None:
        return 200, synthetic_list(state.list_size)
    infos = [token_info(r, i) for i, r in enumerate(state.live_tokens())]
    # With no tokens the service omits the key entirely rather than sending [].
    return 200, ({"token_infos": infos} if infos else {})


def synthetic_list(n):
    """A list of n made-up entries that are never stored: lets memory tests ask for a
    list far larger than the quota without filling the store."""
    if n == 0:
        return {}
    base = now_ms() - 86_400_000
    infos = []
    for i in range(n):
        rec = {
            "token_id": hashlib.sha256(b"synthetic-%d" % i).hexdigest(),
            "comment": "synthetic token %d" % i,
            "creation_time": base + i,
            "expiry_time": -1 if i % 3 == 0 else base + 86_400_000 * 30 + i,
        }
        infos.append(token_info(rec, i))
    return {"token_infos": infos}


def api_delete(state, req):
    body = json_object_body(req, empty_ok=True)
    token_id = body.get("token_id")
    if token_id is None or token_id == "":
        raise ApiError(400, "INVALID_PARAMETER_VALUE", "Missing required field: token_id")
    if not isinstance(token_id, str):
        raise ApiError(400, "MALFORMED_REQUEST", "Invalid JSON given in the body of the "
                                                 "request - expected a string for token_id")
    live = {r["token_id"] for r in state.live_tokens()}
    if token_id not in live:
        raise ApiError(404, "RESOURCE_DOES_NOT_EXIST",
                       "No valid token with ID %s found." % token_id)
    del state.tokens[token_id]
    state.revoked.append(token_id)
    return 200, {}


def update_token_id(path):
    """The token id of an update path /api/2.0/token/{token_id}, percent-decoded, or
    None when the path is not one (create/list/delete, an empty or extra segment)."""
    if not path.startswith(TOKEN_PREFIX) or path in API_METHODS:
        return None
    segment = path[len(TOKEN_PREFIX):]
    if not segment or "/" in segment:
        return None
    return urllib.parse.unquote(segment, errors="replace")


def parse_update_mask(mask):
    """The fields an AIP-134 update_mask names. Strict, as the service is: a client
    that sends "comment, scopes" or "*" must find out here, not in production."""
    if mask is None or mask == "":
        raise ApiError(400, "INVALID_PARAMETER_VALUE", "Missing required field: update_mask")
    if not isinstance(mask, str):
        raise ApiError(400, "INVALID_PARAMETER_VALUE", "update_mask must be a string of "
                                                       "comma-separated field names")
    if any(c.isspace() for c in mask):
        raise ApiError(400, "INVALID_PARAMETER_VALUE",
                       "update_mask must not contain spaces: %r" % mask)
    fields = mask.split(",")
    for i, name in enumerate(fields):
        if not name:
            raise ApiError(400, "INVALID_PARAMETER_VALUE",
                           "update_mask has an empty field name: %r" % mask)
        if name not in UPDATABLE_FIELDS:
            raise ApiError(400, "INVALID_PARAMETER_VALUE",
                           "update_mask names %r, which is not an updatable field "
                           "(updatable: %s)" % (name, ", ".join(UPDATABLE_FIELDS)))
        if name in fields[:i]:
            raise ApiError(400, "INVALID_PARAMETER_VALUE",
                           "update_mask names %r more than once" % name)
    return fields


def api_update(state, req):
    """PATCH /api/2.0/token/{id}: only the masked fields change; a masked field that is
    absent or null is cleared; unmasked fields are type-checked (the service parses
    the whole body) but otherwise ignored."""
    token_id = update_token_id(req.path)
    body = json_object_body(req, empty_ok=True)
    fields = parse_update_mask(body.get("update_mask"))
    token = body.get("token")
    if token is None:
        token = {}
    if not isinstance(token, dict):
        raise ApiError(400, "MALFORMED_REQUEST", "Invalid JSON given in the body of the "
                                                 "request - expected a map for token")
    comment = check_comment(token.get("comment"), "token.comment")
    scopes = check_scopes(token.get("scopes"), "token.scopes")
    rec = state.tokens.get(token_id)
    if rec is None or 0 <= rec["expiry_time"] <= now_ms():  # unknown, revoked or expired
        raise ApiError(404, "RESOURCE_DOES_NOT_EXIST",
                       "No valid token with ID %s found." % token_id)
    if "comment" in fields:
        rec["comment"] = comment
    if "scopes" in fields:
        rec["scopes"] = scopes
    return 200, {}


API_HANDLERS = {CREATE_PATH: api_create, LIST_PATH: api_list, DELETE_PATH: api_delete}


def api_route(path):
    """(handler, the one method it accepts) for an API path, or None (404)."""
    if path in API_HANDLERS:
        return API_HANDLERS[path], API_METHODS[path]
    if update_token_id(path) is not None:
        return api_update, "PATCH"
    return None


# --------------------------------------------------------------------------- OAuth


class OAuthError(Exception):
    """An RFC 6749 error answer: {"error", "error_description"}, not the API's shape."""

    def __init__(self, status, error, description):
        super().__init__(description)
        self.status = status
        self.error = error
        self.description = description


def oauth_client_check(state, req):
    """The client id authenticated by HTTP Basic, or OAuthError 401 invalid_client.
    Id and secret are form-decoded after base64, as RFC 6749 section 2.3.1 says."""
    auth = req.header("Authorization") or ""
    scheme, _, encoded = auth.partition(" ")
    client_id = secret = None
    if scheme.lower() == "basic":
        try:
            pair = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            pair = ""
        if ":" in pair:
            raw_id, raw_secret = pair.split(":", 1)
            client_id = urllib.parse.unquote_plus(raw_id)
            secret = urllib.parse.unquote_plus(raw_secret)
    known = state.oauth_clients.get(client_id) if client_id is not None else None
    if known is None or not secrets.compare_digest(known.encode(), secret.encode()):
        raise OAuthError(401, "invalid_client", "Client authentication failed")
    return client_id


def oauth_form(req):
    """The form body as {name: value}; OAuthError invalid_request when it is not a
    strict application/x-www-form-urlencoded body or repeats a parameter."""
    ctype = (req.header("Content-Type") or "").split(";", 1)[0].strip().lower()
    if ctype != "application/x-www-form-urlencoded":
        raise OAuthError(400, "invalid_request",
                         "Content-Type must be application/x-www-form-urlencoded")
    try:
        form = urllib.parse.parse_qs(req.body.decode("ascii"), keep_blank_values=True,
                                     strict_parsing=True, errors="strict")
    except ValueError as e:  # UnicodeDecodeError included
        raise OAuthError(400, "invalid_request", "Malformed form body: %s" % e)
    for name, values in form.items():
        if len(values) > 1:  # RFC 6749 section 3.2
            raise OAuthError(400, "invalid_request", "Parameter %s is repeated" % name)
    return {name: values[0] for name, values in form.items()}


def oauth_token(state, req):
    """POST /oidc/v1/token, client_credentials grant only. Checks run in the order a
    server must: request syntax, then who the client is, then what it asks for."""
    if req.method != "POST":
        raise OAuthError(405, "invalid_request", "Method %s is not allowed for %s"
                         % (req.method, req.path))
    form = oauth_form(req)
    client_id = oauth_client_check(state, req)
    grant = form.get("grant_type")
    if not grant:
        raise OAuthError(400, "invalid_request", "Missing required parameter: grant_type")
    if grant != "client_credentials":
        raise OAuthError(400, "unsupported_grant_type",
                         "Unsupported grant type %r (supported: client_credentials)" % grant)
    scope = form.get("scope")
    if scope != OAUTH_SCOPE:
        raise OAuthError(400, "invalid_scope", "Invalid scope %r (supported: %s)"
                         % (scope, OAUTH_SCOPE))
    value, lifetime = state.issue_access_token(client_id)
    return 200, {"access_token": value, "token_type": "Bearer", "expires_in": lifetime,
                 "scope": OAUTH_SCOPE}


def oauth_metadata(state, req):
    """RFC 8414 discovery, built from the Host the client used (the emulator has no
    name of its own)."""
    if req.method != "GET":
        raise ApiError(405, "BAD_REQUEST", "Method %s is not allowed for %s"
                       % (req.method, req.path))
    host = req.header("Host")
    if not host:
        raise ApiError(400, "INVALID_PARAMETER_VALUE", "a Host header is required")
    base = "https://%s/oidc" % host
    return 200, {"issuer": base, "token_endpoint": base + "/v1/token",
                 "grant_types_supported": ["client_credentials"]}


def process_oauth(state, req):
    """The OAuth endpoints: no bearer token and no workspace id needed (a client calls
    them to get its credential). Returns what process_api returns."""
    if req.path == OIDC_METADATA_PATH:
        try:
            status, obj = oauth_metadata(state, req)
        except ApiError as e:
            allow = ["allow: GET"] if e.status == 405 else []
            return e.status, error_body(e.code, e.message), allow
        return status, obj, []
    # RFC 6749 section 5.1: token answers, good or bad, must not be cached.
    extra = ["cache-control: no-store", "pragma: no-cache"]
    try:
        status, obj = oauth_token(state, req)
    except OAuthError as e:
        status, obj = e.status, {"error": e.error, "error_description": e.description}
        if e.status == 401:
            extra.append('www-authenticate: Basic realm="oidc"')
        if e.status == 405:
            extra.append("allow: POST")
    return status, obj, extra


OAUTH_PATHS = {OIDC_TOKEN_PATH, OIDC_METADATA_PATH}


def process_api(state, req):
    """Runs one client request against the store. Returns (status, body_object,
    extra_headers). Called with the state lock held."""
    if req.path in OAUTH_PATHS:
        return process_oauth(state, req)
    denied = bearer_check(state, req)
    if denied:
        return denied[0], denied[1], []
    routed = workspace_check(state, req)
    if routed:
        return routed[0], routed[1], []
    route = api_route(req.path)
    if route is None:
        return 404, error_body("ENDPOINT_NOT_FOUND", "No API found for '%s %s'"
                               % (req.method, req.path)), []
    handler, expected = route
    if req.method != expected:
        return 405, error_body("BAD_REQUEST", "Method %s is not allowed for %s"
                               % (req.method, req.path)), ["allow: " + expected]
    try:
        status, obj = handler(state, req)
        return status, obj, []
    except ApiError as e:
        return e.status, error_body(e.code, e.message), []


# --------------------------------------------------------------------------- control API


def validate_fault(f):
    if not isinstance(f, dict):
        raise ApiError(400, "INVALID_FAULT", "a fault must be an object")
    kind = f.get("kind")
    if kind not in FAULT_KINDS:
        raise ApiError(400, "INVALID_FAULT", "unknown fault kind %r (known: %s)"
                       % (kind, ", ".join(sorted(FAULT_KINDS))))
    f = dict(f)
    f.setdefault("path", "*")
    f.setdefault("times", 1)
    path = f["path"]
    # Any other pattern would be taken for an exact path and silently never match.
    if not isinstance(path, str) or ("*" in path and path not in ("*", UPDATE_PATTERN)):
        raise ApiError(400, "INVALID_FAULT", "path must be \"*\", %r or an exact path"
                       % UPDATE_PATTERN)
    if not isinstance(f["times"], int) or f["times"] == 0 or f["times"] < -1:
        raise ApiError(400, "INVALID_FAULT", "times must be a positive integer or -1")
    if kind in ("chunked", "split"):
        sizes = f.get("sizes", [1, 3, 7])
        if not sizes or not all(isinstance(s, int) and s > 0 for s in sizes):
            raise ApiError(400, "INVALID_FAULT", "sizes must be positive integers")
    if kind == "status" and not isinstance(f.get("status"), int):
        raise ApiError(400, "INVALID_FAULT", "status fault needs an integer status")
    if kind == "raw" and not isinstance(f.get("data"), str):
        raise ApiError(400, "INVALID_FAULT", "raw fault needs a string data")
    if kind == "delay" and not isinstance(f.get("ms"), int):
        raise ApiError(400, "INVALID_FAULT", "delay fault needs integer ms")
    if kind == "hold" and "ms" in f and (isinstance(f["ms"], bool) or not isinstance(f["ms"], int)
                                         or f["ms"] < 0):
        raise ApiError(400, "INVALID_FAULT", "hold fault's ms must be an integer >= 0")
    stray = f.get("stray")
    if stray is not None and (not isinstance(stray, dict) or not isinstance(stray.get("data"), str)):
        raise ApiError(400, "INVALID_FAULT", "stray needs {\"data\": string, \"after_ms\"?: int}")
    return f


def process_control(state, req):
    """Control API: no auth, never faulted, never counted as client traffic."""
    path = req.path[len(CONTROL_PREFIX):]
    if req.method == "GET" and path == "state":
        return 200, state.snapshot()
    if req.method != "POST":
        return 405 if path in ("reset", "fill", "faults", "list_size", "config") else 404, \
            error_body("BAD_REQUEST", "unknown control call %s %s" % (req.method, req.path))
    body = json_object_body(req, empty_ok=True)
    if path == "reset":
        state.reset()
        return 200, {}
    if path == "fill":
        count = body.get("count", 0)
        size = body.get("comment_size")
        lifetime = body.get("lifetime_seconds")
        expired = bool(body.get("expired", False))
        scopes = check_scopes(body.get("scopes"), "scopes")
        if not isinstance(count, int) or count < 0:
            raise ApiError(400, "INVALID_PARAMETER_VALUE", "count must be >= 0")
        ids = []
        for i in range(count):
            comment = "fill %d" % i
            if isinstance(size, int):
                comment = (comment + " " + "x" * size)[:size]
            if expired:
                # Created two hours ago, expired one hour ago: stored but not live.
                rec = state.new_token(comment, 3600, creation_time=now_ms() - 7_200_000,
                                      scopes=scopes)
            else:
                rec = state.new_token(comment, lifetime, scopes=scopes)
            ids.append(rec["token_id"])
        return 200, {"token_ids": ids}
    if path == "faults":
        faults = body.get("faults")
        if not isinstance(faults, list):
            raise ApiError(400, "INVALID_FAULT", "body must be {\"faults\": [...]}")
        checked = [validate_fault(f) for f in faults]
        if body.get("replace"):
            state.faults = []
        state.faults.extend(checked)
        return 200, {"pending": len(state.faults)}
    if path == "list_size":
        count = body.get("count")
        if count is not None and (not isinstance(count, int) or count < 0):
            raise ApiError(400, "INVALID_PARAMETER_VALUE", "count must be >= 0 or null")
        state.list_size = count
        return 200, {}
    if path == "config":
        for key, value in body.items():
            if key not in state.config:
                raise ApiError(400, "INVALID_PARAMETER_VALUE", "unknown config key %r" % key)
            if key == "json_style" and value not in JSON_STYLES:
                raise ApiError(400, "INVALID_PARAMETER_VALUE", "json_style must be one of "
                               + ", ".join(sorted(JSON_STYLES)))
            if key in ("oauth_lifetime_seconds", "oauth_reject_next") and \
                    (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                # Checked because arithmetic on them would fail mid-request otherwise.
                raise ApiError(400, "INVALID_PARAMETER_VALUE",
                               "%s must be an integer >= 0" % key)
            state.config[key] = value
        return 200, dict(state.config)
    return 404, error_body("ENDPOINT_NOT_FOUND", "unknown control call %s" % req.path)


# --------------------------------------------------------------------------- serving


class Server:
    def __init__(self, args):
        self.args = args
        self.state = State(args.token or [DEFAULT_TOKEN], args.max_lifetime_seconds,
                           args.oauth_client or [DEFAULT_OAUTH_CLIENT])
        self.ctx = make_tls_context(args)
        self.stop = threading.Event()

    def serve_connection(self, raw, peer, number):
        raw.settimeout(self.args.handshake_timeout)
        try:
            sock = self.ctx.wrap_socket(raw, server_side=True)
        except (ssl.SSLError, OSError) as e:
            with self.state.lock:
                self.state.handshake_failures += 1
            log("#%d %s:%d TLS handshake failed: %s" % (number, peer[0], peer[1], e))
            try:
                raw.close()
            except OSError:
                pass
            return
        with self.state.lock:
            self.state.handshakes += 1
            v = sock.version() or "unknown"
            self.state.tls_versions[v] = self.state.tls_versions.get(v, 0) + 1
        conn = Connection(sock, number, peer)
        first = True
        while not self.stop.is_set():
            sock.settimeout(self.args.idle_timeout)
            try:
                req = parse_request(conn)
            except BadRequest as e:
                log("#%d malformed request -> %d (%s)" % (number, e.status, e.message))
                with self.state.lock:
                    self.state.malformed_requests += 1
                    if conn.tls_error is not None:
                        self.state.tls_errors += 1
                body = dumps(error_body("MALFORMED_REQUEST", e.message), "compact")
                conn.send(build_response(e.status, body, "application/json; charset=utf-8",
                                         close=True))
                conn.close("notify")
                return
            except PeerGone:
                req = None
            if req is None:
                if conn.tls_error is not None:
                    log("#%d not TLS after the handshake: %s" % (number, conn.tls_error))
                    with self.state.lock:
                        self.state.tls_errors += 1
                conn.close("fin")
                return
            is_control = req.path.startswith(CONTROL_PREFIX)
            if first and is_control:
                # A connection that opens with a control call belongs to the test, not
                # to the client under test: move it out of the client counters so tests
                # can assert on exactly the client's own connections and handshakes.
                with self.state.lock:
                    self.state.connections -= 1
                    self.state.handshakes -= 1
                    v = sock.version() or "unknown"
                    self.state.tls_versions[v] -= 1
                    if not self.state.tls_versions[v]:
                        del self.state.tls_versions[v]
                    self.state.control_connections += 1
            first = False
            if is_control:
                keep = self.handle_control(conn, req)
            else:
                keep = self.handle_client(conn, req)
            if not keep:
                return

    def handle_control(self, conn, req):
        with self.state.lock:
            self.state.control_requests += 1
            try:
                status, obj = process_control(self.state, req)
            except ApiError as e:
                status, obj = e.status, error_body(e.code, e.message)
        keep = req.wants_keep_alive()
        body = dumps(obj, "pretty")
        ok = conn.send(build_response(status, body, "application/json; charset=utf-8",
                                      close=not keep))
        if not keep or not ok:
            conn.close("notify")
            return False
        return True

    def handle_client(self, conn, req):
        with self.state.lock:
            st = self.state
            generation = st.generation
            st.requests[req.path] = st.requests.get(req.path, 0) + 1
            fault = st.take_fault(req.method, req.path)
            entry = log_entry(st, conn.number, req, fault)
            st.request_log.append(entry)
            del st.request_log[:-REQUEST_LOG_LIMIT]
        kind = fault["kind"] if fault else None
        keep = req.wants_keep_alive()

        if kind == "delay" and not fault.get("after_bytes"):
            time.sleep(fault["ms"] / 1000.0)
            with self.state.lock:
                stale = self.state.generation != generation
            if stale:
                return self.finish(conn, req, entry, None, "fin", "dropped: reset meanwhile")

        if kind == "hold" and not fault.get("process"):
            if self.hold(conn, req, fault, generation) != "released":
                return self.finish(conn, req, entry, None, "fin", "held, not processed: client gone")

        # Faults that answer instead of the API.
        if kind == "reset_before":
            return self.finish(conn, req, entry, None, "rst", "no response")
        if kind in ("status", "html_error", "login_page", "raw"):
            data, close = self.canned(fault, keep)
            if kind == "raw" and fault.get("process"):
                with self.state.lock:
                    process_api(self.state, req)
            ok = self.send_in_records(conn, data, fault.get("sizes"))
            status = int(data[9:12]) if data[:5] == b"HTTP/" and data[9:12].isdigit() else 0
            if ok and not close:
                self.send_stray(conn, fault)
            how = "notify" if fault.get("close_notify", True) else "fin"
            return self.finish(conn, req, entry, status, how if close or not ok else None,
                               "%dB" % len(data))

        with self.state.lock:
            status, obj, extra = process_api(self.state, req)
            style = self.state.config["json_style"]
        if kind == "reset_after":
            return self.finish(conn, req, entry, status, "rst", "processed, no response")
        if kind == "hold" and fault.get("process"):
            if self.hold(conn, req, fault, generation) != "released":
                return self.finish(conn, req, entry, None, "fin", "processed, held: client gone")

        close = not keep or kind == "close" or bool(fault and fault.get("close"))
        data = build_response(status, dumps(obj, style), "application/json; charset=utf-8",
                              extra_headers=extra, close=close,
                              chunked=fault if kind == "chunked" else None)
        if kind == "truncate":
            cut = fault.get("bytes", len(data) // 2)
            conn.send(data[:cut])
            return self.finish(conn, req, entry, status, "fin",
                               "truncated at %d of %dB" % (cut, len(data)))
        if kind == "delay" and fault.get("after_bytes"):
            cut = fault["after_bytes"]
            ok = conn.send(data[:cut])
            time.sleep(fault["ms"] / 1000.0)
            ok = ok and conn.send(data[cut:])
        elif kind == "split":
            ok = True
            pos = 0
            i = 0
            sizes = fault.get("sizes", [1, 3, 7])
            while ok and pos < len(data):
                n = sizes[i % len(sizes)]
                ok = conn.send(data[pos:pos + n])
                pos += n
                i += 1
                time.sleep(fault.get("pause_ms", 1) / 1000.0)
        else:
            ok = conn.send(data)
        # Closing normally sends close_notify first, as a well-behaved server does;
        # "close_notify": false makes it a bare FIN, which a client must also survive
        # once the response is complete.
        how = "notify" if fault is None or fault.get("close_notify", True) else "fin"
        if ok and not close:
            self.send_stray(conn, fault)
        if kind == "close_after":
            # A normal-looking keep-alive response, then the server drops the idle
            # connection, as real front ends do: the client must reconnect by itself.
            return self.finish(conn, req, entry, status, how, "%dB" % len(data))
        return self.finish(conn, req, entry, status, how if close or not ok else None,
                           "%dB" % len(data))

    def hold(self, conn, req, fault, generation):
        """Keeps the request's answer back until the client goes away ("gone": it closed
        or was killed), the state is reset ("reset"), the server stops, or the fault's
        `ms` (default HOLD_DEFAULT_MS) ran out ("released": the request then goes on as
        if nothing had happened). While it waits, the request is listed in the state's
        `held`, so a test knows its client is stopped exactly there."""
        item = {"conn": conn.number, "method": req.method, "path": req.path,
                "process": bool(fault.get("process"))}
        deadline = time.monotonic() + fault.get("ms", HOLD_DEFAULT_MS) / 1000.0
        with self.state.lock:
            held = self.state.held
            held.append(item)
        try:
            conn.sock.settimeout(HOLD_POLL_S)
            while True:
                if self.stop.is_set():
                    return "gone"
                with self.state.lock:
                    if self.state.generation != generation:
                        return "reset"
                if time.monotonic() >= deadline:
                    return "released"
                try:
                    data = conn.sock.recv(65536)
                except (socket.timeout, ssl.SSLWantReadError):
                    continue
                except (ssl.SSLError, OSError):
                    return "gone"
                if not data:
                    return "gone"
                conn.buf += data  # a client that sends on: kept for the next request
        finally:
            try:
                conn.sock.settimeout(self.args.idle_timeout)
            except OSError:
                pass
            with self.state.lock:
                if item in held:
                    held.remove(item)

    @staticmethod
    def send_in_records(conn, data, sizes):
        """data in one TLS record, or in records of the sizes given (cycled)."""
        if not sizes:
            return conn.send(data)
        ok = True
        pos = 0
        i = 0
        while ok and pos < len(data):
            ok = conn.send(data[pos:pos + sizes[i % len(sizes)]])
            pos += sizes[i % len(sizes)]
            i += 1
        return ok

    @staticmethod
    def send_stray(conn, fault):
        """"stray": {"after_ms": N, "data": "..."}: bytes nobody asked for, sent on the
        kept-alive connection N ms after the answer (a second, late response)."""
        stray = fault.get("stray") if fault else None
        if stray:
            time.sleep(stray.get("after_ms", 50) / 1000.0)
            conn.send(stray["data"].encode("latin-1"))

    def canned(self, fault, keep):
        """Responses that replace the API's answer. Returns (bytes, close_after)."""
        kind = fault["kind"]
        close = not keep or bool(fault.get("close"))
        if kind == "raw":
            return fault["data"].encode("latin-1"), bool(fault.get("close"))
        if kind == "html_error":
            return build_response(fault.get("status", 503), HTML_503.encode(),
                                  "text/html; charset=utf-8", close=close), close
        if kind == "login_page":
            return build_response(200, LOGIN_PAGE.encode(), "text/html; charset=utf-8",
                                  close=close), close
        status = fault["status"]
        default_code = {429: "REQUEST_LIMIT_EXCEEDED", 503: "TEMPORARILY_UNAVAILABLE"}
        code = fault.get("error_code", default_code.get(status, "INTERNAL_ERROR"))
        message = fault.get("message", {
            429: "Too many requests. Please wait a moment and try again.",
            503: "The service is temporarily unavailable. Please try again later.",
        }.get(status, "Injected error."))
        extra = []
        if fault.get("retry_after") is not None:
            extra.append("retry-after: %s" % fault["retry_after"])
        if "body" in fault:
            body = fault["body"].encode("utf-8")
        else:
            details = [
                {"@type": "type.googleapis.com/google.rpc.RetryInfo",
                 "retry_delay": fault.get("retry_delay", "3.5s")},
                {"@type": "type.googleapis.com/google.rpc.RequestInfo",
                 "request_id": secrets.token_hex(16), "serving_data": ""},
            ]
            body = dumps(error_body(code, message, details), "compact")
        ctype = fault.get("content_type", "application/json; charset=utf-8")
        return build_response(status, body, ctype, extra_headers=extra, close=close), close

    def finish(self, conn, req, entry, status, close_how, note):
        with self.state.lock:
            entry["status"] = status
        fault = entry["fault"]
        log("#%d %s %s -> %s%s %s" % (conn.number, req.method, req.path,
                                      status if status is not None else "-",
                                      " fault=" + fault if fault else "", note))
        if close_how:
            conn.close(close_how)
            return False
        return True

    def run(self, listener):
        parent = os.getppid()
        listener.settimeout(0.2)
        while not self.stop.is_set():
            if self.args.exit_with_parent and os.getppid() != parent:
                log("parent process exited; stopping")
                break
            try:
                raw, peer = listener.accept()
            except socket.timeout:
                continue
            except OSError as e:
                if self.stop.is_set():
                    break
                log("accept failed: %s" % e)
                time.sleep(0.05)
                continue
            with self.state.lock:
                self.state.conn_seq += 1
                number = self.state.conn_seq
                self.state.connections += 1
            raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            t = threading.Thread(target=self.serve_connection, args=(raw, peer, number),
                                 name="conn-%d" % number, daemon=True)
            t.start()


def auth_verdict(state, req):
    """(kind, verdict) of the request's credential. kind: "pat", "oauth" (an access
    token this emulator issued), "basic", "none", "other" (an unknown scheme).
    verdict: "valid", "invalid", "expired" (an OAuth access token past its lifetime),
    "missing" or "malformed" (a Basic header is only judged on the token endpoint)."""
    auth = req.header("Authorization")
    if auth is None:
        return "none", "missing"
    scheme = auth.partition(" ")[0].lower()
    if scheme == "basic":
        if req.path != OIDC_TOKEN_PATH:
            return "basic", "malformed"
        try:
            oauth_client_check(state, req)
            return "basic", "valid"
        except OAuthError:
            return "basic", "invalid"
    if not auth.lower().startswith("bearer "):
        return "other", "malformed"
    value = auth[7:]
    oauth = state.oauth_record(value)
    if oauth is not None:
        return "oauth", "valid" if oauth["expiry_time"] > now_ms() else "expired"
    return "pat", "valid" if state.is_valid_bearer(value) else "invalid"


# Form parameters that carry a secret, should a client send one in a token request body.
SECRET_FORM_FIELD = re.compile(r"(^|&)(client_secret|client_assertion|assertion|"
                               r"subject_token|password)=[^&]*")


def logged_body(req):
    """The body as the request log keeps it: a token request's secrets masked."""
    text = req.body.decode("utf-8", errors="replace")
    if req.path == OIDC_TOKEN_PATH:
        text = SECRET_FORM_FIELD.sub(r"\1\2=<redacted>", text)
    return text


def log_entry(state, number, req, fault):
    """What the client sent, for assertions: headers in wire order with the
    credential replaced by its verdict, so the request log never holds a secret."""
    kind, verdict = auth_verdict(state, req)
    headers = [[k, "<redacted>" if k.lower() == "authorization" else v]
               for k, v in req.headers]
    return {
        "conn": number,
        "method": req.method,
        "target": req.target,
        "path": req.path,
        "version": req.version,
        "headers": headers,
        "auth": verdict,
        "auth_kind": kind,
        "body": logged_body(req),
        "fault": fault["kind"] if fault else None,
        "status": None,
    }


TLS_VERSIONS = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}


def make_tls_context(args):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = TLS_VERSIONS[args.tls_min]
    ctx.maximum_version = TLS_VERSIONS[args.tls_max]
    ctx.load_cert_chain(args.cert, args.key)
    if args.tls13_tickets is not None:
        # Real servers send TLS 1.3 session tickets after the handshake; a client must
        # cope with them arriving before the first response. 0 turns them off.
        ctx.num_tickets = args.tls13_tickets
    return ctx


def write_port_file(path, port):
    # Written to a temporary name and renamed, so a reader polling for the file never
    # sees it empty or half-written.
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
    os.replace(tmp, path)


def oauth_client_arg(text):
    """--oauth-client ID:SECRET; the id cannot hold ":" (RFC 7617), the secret can."""
    client_id, sep, secret = text.partition(":")
    if not sep or not client_id or not secret:
        raise argparse.ArgumentTypeError("expected ID:SECRET, both non-empty")
    return client_id, secret


def main(argv=None):
    global QUIET
    p = argparse.ArgumentParser(description="Databricks Token API emulator (HTTPS).")
    p.add_argument("--cert", required=True, help="server certificate chain (PEM)")
    p.add_argument("--key", required=True, help="server private key (PEM)")
    p.add_argument("--bind", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--port-file", help="write the listening port here once ready")
    p.add_argument("--token", action="append",
                   help="valid bearer token (repeatable; default %s)" % DEFAULT_TOKEN)
    p.add_argument("--max-lifetime-seconds", type=int, default=None)
    p.add_argument("--oauth-client", action="append", type=oauth_client_arg,
                   metavar="ID:SECRET",
                   help="OAuth client for /oidc/v1/token (repeatable; default %s:%s)"
                   % DEFAULT_OAUTH_CLIENT)
    p.add_argument("--tls-min", choices=sorted(TLS_VERSIONS), default="1.2")
    p.add_argument("--tls-max", choices=sorted(TLS_VERSIONS), default="1.3")
    p.add_argument("--tls13-tickets", type=int, default=None,
                   help="TLS 1.3 session tickets sent per handshake (OpenSSL default 2)")
    p.add_argument("--idle-timeout", type=float, default=60.0,
                   help="close a connection idle this long between requests")
    p.add_argument("--handshake-timeout", type=float, default=60.0)
    p.add_argument("--exit-with-parent", action="store_true",
                   help="stop when the parent process exits (no orphans in CI)")
    p.add_argument("--quiet", action="store_true", help="no per-request log lines")
    args = p.parse_args(argv)
    QUIET = args.quiet

    server = Server(args)
    listener = socket.socket(socket.AF_INET6 if ":" in args.bind else socket.AF_INET,
                             socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((args.bind, args.port))
    listener.listen(64)
    port = listener.getsockname()[1]

    def on_signal(signum, _frame):
        server.stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    if args.port_file:
        write_port_file(args.port_file, port)
    log("listening on https://%s:%d (TLS %s..%s)" % (args.bind, port, args.tls_min,
                                                     args.tls_max))
    try:
        server.run(listener)
    finally:
        listener.close()
        if args.port_file:
            try:
                os.unlink(args.port_file)
            except OSError:
                pass
        log("stopped")
    # Connection threads are daemons: they end with the process.
    return 0


if __name__ == "__main__":
    sys.exit(main())

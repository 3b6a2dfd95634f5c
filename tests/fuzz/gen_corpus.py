#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz harnesses into tests/fuzz/corpus/.

Seeds are small, realistic answers of the Token API in the shapes of
WIRE.md (create, list, revoke, error bodies, proxy and login pages, chunked
and close-delimited framing), each wrapped in the input layout its harness
expects (see the comment at the top of each harness). The files are checked
in; run this again after changing a layout:

    tests/fuzz/gen_corpus.py          # rewrites tests/fuzz/corpus/*/seed-*
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
BEARER = "dapiFUZZbearer0123456789abcdef0123456789"
TOKEN_ID = "6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b"
TOKEN_ID2 = "d4735e3a265e16eee03f59718b9b5d03019c07d8b6c51f90da3a666eec13ab35"
TOKEN_VALUE = "dapi0123456789abcdef0123456789abcdef-2"

# ---- bodies ---------------------------------------------------------------

INFO = ('{"token_id":"%s","creation_time":1735689600000,"expiry_time":1743465600000,'
        '"comment":"sensor 42"}' % TOKEN_ID)
INFO2 = ('{"comment":null,"token_id":"%s","creation_time":1700000000000,"expiry_time":-1,'
         '"created_by_id":4242,"owner_id":4242,"scopes":["all-apis"],"autoscope_state":"DISABLED"}'
         % TOKEN_ID2)
INFO_ESC = ('{"token_id":"e\\u0073c\\/aped","creation_time":0,"expiry_time":-1,'
            '"comment":"caf\\u00e9 \\ud83d\\ude00 \\"q\\"\\n\\t\\\\ \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"}')
INFO_SCOPES = ('{"token_id":"sc","scopes":["sql","unity-catalog","a\\u00e9\\/b"],"inferred_scopes":[],'
               '"backfill_scopes":["all-apis"],"autoscope_state":"AUTOSCOPE_STATE_COMPLETED","comment":"x"}')
INFO_SCOPES_NUL = '{"token_id":"nul","scopes":["sql","a\\u0000b"]}'

CREATE = '{"token_value":"%s","token_info":%s}' % (TOKEN_VALUE, INFO)
CREATE_PRETTY = ('{\n  "token_info": {\n    "comment": "provisioned by dbtok",\n'
                 '    "creation_time": 1735689600000,\n    "expiry_time": -1,\n'
                 '    "token_id": "%s"\n  },\n  "token_value": "%s"\n}\n' % (TOKEN_ID, TOKEN_VALUE))
LIST = '{"token_infos":[%s,%s,%s]}' % (INFO, INFO2, INFO_ESC)
LIST_PRETTY = '{\n  "token_infos": [\n    %s,\n    %s\n  ]\n}\n' % (INFO, INFO2)
LIST_SCOPES = '{"token_infos":[%s,%s,{"token_id":"n","scopes":null,"inferred_scopes":["x"]}]}' % (INFO_SCOPES, INFO2)
LIST_SCOPES_NUL = '{"token_infos":[%s,%s]}' % (INFO_SCOPES, INFO_SCOPES_NUL)
LIST_EMPTY = '{}'
LIST_NULL = '{"token_infos":null}'
LIST_LATE_KEY = '{"next_page_token":"","extra":{"a":[1,2,{"b":"]}"}]},"token_infos":[%s]}' % INFO
LIST_BIG_ENTRY = ('{"token_infos":[%s,{"token_id":"big","comment":"%s","creation_time":1,'
                  '"expiry_time":2},%s]}' % (INFO, "x" * 1500, INFO2))
REVOKE = '{}'
ERR_404 = ('{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"No valid token with ID %s found."}'
           % TOKEN_ID)
ERR_403_INT = '{"error_code":403,"message":"Invalid access token."}'
ERR_429 = ('{"error_code":"REQUEST_LIMIT_EXCEEDED","message":"Too many requests",'
           '"details":[{"@type":"type.googleapis.com/google.rpc.RequestInfo","request_id":"abc-123"},'
           '{"@type":"type.googleapis.com/google.rpc.RetryInfo","retry_delay":"3.5s"}]}')
ERR_QUOTA = ('{"error_code":"QUOTA_EXCEEDED","message":"Cannot create more than 600 tokens.",'
             '"details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"QUOTA",'
             '"domain":"databricks.com","metadata":{"limit":"600"}}]}')
ERR_ECHO = '{"error_code":"UNAUTHENTICATED","message":"Token %s is not valid"}' % BEARER
NUMBERS = ('{"a":-1,"b":0,"c":9223372036854775807,"d":-9223372036854775808,"e":1.5e-3,'
           '"f":[true,false,null],"g":-0,"h":1E+2}')
HTML_503 = ('<html><head><title>503 Service Unavailable</title></head>'
            '<body><h1>No webapps are available</h1></body></html>\n')
HTML_LOGIN = ('<!DOCTYPE html><html><head><title>Databricks - Sign In</title></head>'
              '<body><script src="/login.js"></script></body></html>')
TEXT_400 = 'Invalid Token\n'

# Request bodies, as the CLI's create --json and update --json take them.
CREATE_REQ = '{"comment":"sensor 42","lifetime_seconds":7776000}'
CREATE_REQ_SCOPES = ('{"comment":"caf\\u00e9 \\ud83d\\ude00","lifetime_seconds":null,'
                     '"scopes":["sql","unity-catalog","s\\u0071l-\\/x"],"autoscope_enabled":true}')
CREATE_REQ_PRETTY = '{\n  "comment": null,\n  "scopes": [],\n  "autoscope_enabled": false\n}\n'
CREATE_REQ_BAD = [
    ('unknown-field', '{"comment":"x","lifetime":3600,"scopes":[1]}'),
    ('repeated-escaped', '{"comment":"a","comm\\u0065nt":null}'),
    ('comment-nul', '{"comment":"a\\u0000b"}'),
    ('bad-lifetime', '{"lifetime_seconds":1.5e3}'),
    ('bad-scopes', '{"scopes":["sql",""]}'),
    ('bad-autoscope', '{"autoscope_enabled":"true"}'),
    ('too-large', '{"scopes":[%s]}' % ",".join('"s%d"' % i for i in range(40))),
]
UPDATE_REQ = '{"token":{"comment":"rotated","scopes":["sql"]},"update_mask":"comment,scopes"}'
UPDATE_REQ_SCOPES = '{"update_mask":"scopes","token":{"scopes":[]}}'
UPDATE_REQ_BAD = [
    ('mask-mismatch', '{"token":{"comment":"c"},"update_mask":"comment,scopes"}'),
    ('mask-escaped', '{"token":{"comment":"c"},"update_mask":"comm\\u0065nt"}'),
    ('token-null', '{"token":null,"update_mask":"comment"}'),
    ('token-not-object', '{"token":["comment"],"update_mask":"comment"}'),
    ('token-unknown', '{"token":{"comment":"c","token_id":"x"},"update_mask":"comment"}'),
]

# ---- HTTP framing ----------------------------------------------------------

REASONS = {100: "Continue", 200: "OK", 204: "No Content", 302: "Found", 400: "Bad Request",
           403: "Forbidden", 404: "Not Found", 429: "Too Many Requests",
           503: "Service Unavailable"}


def response(status, body, headers=(), ctype="application/json; charset=utf-8", version="1.1"):
    head = "HTTP/%s %d %s\r\n" % (version, status, REASONS[status])
    head += "Content-Type: %s\r\nServer: databricks\r\n" % ctype
    for h in headers:
        head += h + "\r\n"
    head += "Content-Length: %d\r\n\r\n" % len(body.encode("latin-1"))
    return head + body


def chunked(status, body, piece, trailer=False):
    out = ("HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
           "X-Request-Id: 0f1e2d3c\r\n\r\n" % (status, REASONS[status]))
    for i in range(0, len(body), piece):
        part = body[i:i + piece]
        ext = ";name=value" if i == 0 else ""
        out += "%x%s\r\n%s\r\n" % (len(part), ext, part)
    out += "0\r\n"
    out += "X-Trailer: done\r\n\r\n" if trailer else "\r\n"
    return out


def close_delimited(status, body, ctype="text/html", version="1.0"):
    return "HTTP/%s %d %s\r\nContent-Type: %s\r\n\r\n%s" % (version, status, REASONS[status], ctype, body)


def b(s):
    return s.encode("latin-1")


# ---- per-harness layouts ----------------------------------------------------

def http_input(stream, splits=b""):
    # byte 0: number of split bytes (0..15), then the split bytes, then the stream
    return bytes([len(splits)]) + splits + b(stream)


def list_input(body, window, flags=0, stop=0, splits=b"\x00\x07\x80\x1f"):
    return struct.pack(">H", window) + bytes([flags, stop]) + splits + b(body)


def session_input(work, n_ops, ops, conns=b"", splits=b"\x00\x00\x00\x00\x00\x00", answers=(), flags=0):
    ops = bytes(ops) + bytes(8 - len(ops))
    conns = bytes(conns) + bytes(16 - len(conns))
    header = bytes([work, (n_ops - 1) | flags]) + ops + conns + splits
    assert len(header) == 32
    return header + b("\n@@\n".join(answers))


CREATE_OP, LIST_OP, REVOKE_OP, RECOVER_OP = 0, 1, 2, 3


def op(kind, arg=0, lifetime=False):
    """The first byte value whose value % 4 is kind and whose bits 2-4 carry
    the argument (bits 2-3) and, for a create, the lifetime flag (bit 4)."""
    for v in range(256):
        if v % 4 == kind and (v >> 2) & 3 == arg and bool(v & 0x10) == lifetime:
            return v
    raise ValueError((kind, arg, lifetime))


RETRIES = 0xC0  # header byte 1, bits 6-7: up to four attempts, the port sleeps
# The fake port's entropy counts up from 0: the first marker create_recover draws.
FIRST_MARKER = "[dbtok:0001020304050607]"


def seeds():
    http = {
        "create-200": http_input(response(200, CREATE)),
        "list-chunked-trailer": http_input(chunked(200, LIST, 40, trailer=True), b"\x05\x00\x91"),
        "revoke-404": http_input(response(404, ERR_404), b"\x0f"),
        "429-retry-after-close": http_input(response(429, ERR_429, ("Retry-After: 3", "Connection: close"))),
        "503-html-http10": http_input(close_delimited(503, HTML_503)),
        "100-continue-then-200": http_input("HTTP/1.1 100 Continue\r\n\r\n" + response(200, REVOKE), b"\x00"),
        "204-then-200-keepalive": http_input("HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\n"
                                             + response(200, LIST_EMPTY)),
        "302-login": http_input("HTTP/1.1 302 Found\r\nLocation: https://example.invalid/login.html?next_url=%2F"
                                "\r\nContent-Length: 0\r\n\r\n"),
        "200-html-login": http_input(response(200, HTML_LOGIN, ctype="text/html")),
        "retry-after-date": http_input(response(503, ERR_429, ("Retry-After: Wed, 21 Oct 2015 07:28:00 GMT",
                                                              "connection: Keep-Alive"))),
        "403-int-code-bare-lf": http_input(response(403, ERR_403_INT).replace("\r\n", "\n")),
    }
    json = {
        "create": b(CREATE),
        "create-pretty": b(CREATE_PRETTY),
        "list": b(LIST),
        "list-empty": b(LIST_EMPTY),
        "list-scopes": b(LIST_SCOPES),
        "list-scopes-nul": b(LIST_SCOPES_NUL),
        "error-404": b(ERR_404),
        "error-403-int": b(ERR_403_INT),
        "error-429-retryinfo": b(ERR_429),
        "error-quota-details": b(ERR_QUOTA),
        "numbers": b(NUMBERS),
        "text-400": b(TEXT_400),
    }
    lists = {
        "list-3-small-window": list_input(LIST, 300),
        "list-pretty-whole": list_input(LIST_PRETTY, 0xFFFF, flags=1),
        "list-empty": list_input(LIST_EMPTY, 16),
        "list-null": list_input(LIST_NULL, 64, flags=1),
        "list-late-key": list_input(LIST_LATE_KEY, 180, flags=2),
        "list-big-entry": list_input(LIST_BIG_ENTRY, 1023, flags=4),
        "list-stop-2": list_input(LIST, 1023, stop=2),
        "list-html": list_input(HTML_LOGIN, 100),
        "list-scopes": list_input(LIST_SCOPES, 700, flags=2),
        "list-scopes-nul": list_input(LIST_SCOPES_NUL, 0xFFFF),
    }
    requests = {
        "create": b(CREATE_REQ),
        "create-scopes": b(CREATE_REQ_SCOPES),
        "create-pretty": b(CREATE_REQ_PRETTY),
        "update": b(UPDATE_REQ),
        "update-scopes": b(UPDATE_REQ_SCOPES),
        "not-object": b('["comment"]'),
    }
    for name, body in CREATE_REQ_BAD:
        requests["create-" + name] = b(body)
    for name, body in UPDATE_REQ_BAD:
        requests["update-" + name] = b(body)
    create_ok = "C" + response(200, CREATE)
    list_ok = "C" + chunked(200, LIST, 64)
    revoke_ok = "C" + response(200, REVOKE)
    sessions = {
        "create-list-revoke": session_input(
            16, 3, [op(CREATE_OP, 1, True), op(LIST_OP), op(REVOKE_OP, 1)], answers=[create_ok, list_ok, revoke_ok]),
        "create-reset-outcome-unknown": session_input(
            0, 2, [op(CREATE_OP, 2), op(LIST_OP)],
            answers=["R" + response(200, CREATE)[:60], list_ok]),
        "list-reset-retried": session_input(
            4, 1, [op(LIST_OP)], splits=b"\x10\x00\x03\x81\x00\x07",
            answers=["R" + chunked(200, LIST, 64)[:90], list_ok]),
        "errors": session_input(
            2, 4, [op(REVOKE_OP, 0), op(CREATE_OP, 1), op(REVOKE_OP, 2), op(CREATE_OP, 0)],
            answers=["C" + response(404, ERR_404),
                     "C" + response(429, ERR_429, ("Retry-After: 2",)),
                     "C" + response(403, ERR_ECHO, ("WWW-Authenticate: Bearer " + BEARER,)),
                     "C" + response(400, ERR_QUOTA)]),
        "pages": session_input(
            1, 3, [op(LIST_OP), op(CREATE_OP, 0), op(REVOKE_OP, 0)],
            answers=["C" + response(200, HTML_LOGIN, ctype="text/html"),
                     "C" + "HTTP/1.1 302 Found\r\nLocation: /login.html\r\nContent-Length: 0\r\n\r\n",
                     "C" + close_delimited(503, HTML_503)]),
        "close-and-idle": session_input(
            8, 4, [op(LIST_OP), op(CREATE_OP, 1), op(LIST_OP, 1), op(REVOKE_OP, 1)],
            conns=[0x80, 0, 0x05, 0],
            answers=["C" + response(200, LIST_EMPTY, ("Connection: close",)), create_ok, list_ok,
                     "C" + response(200, REVOKE)]),
        "send-breaks-then-create": session_input(
            0, 2, [op(CREATE_OP, 1), op(REVOKE_OP, 1)], conns=[0x06 | (4 << 3), 0, 0],
            answers=[create_ok, revoke_ok]),
        "retries-429-503": session_input(
            0, 3, [op(CREATE_OP, 1), op(LIST_OP), op(REVOKE_OP, 1)], flags=RETRIES,
            answers=["C" + response(429, ERR_429, ("Retry-After: 1",)), create_ok,
                     "C" + response(503, HTML_503, ctype="text/html"), list_ok,
                     "C" + response(503, '{"error_code":"TEMPORARILY_UNAVAILABLE","message":"later"}'),
                     revoke_ok]),
        "recover-orphan": session_input(
            4, 1, [op(RECOVER_OP, 1)],
            answers=["R" + response(200, CREATE)[:40],
                     "C" + response(200, '{"token_infos":[%s,{"token_id":"%s","comment":"sensor 42 %s",'
                                         '"creation_time":1,"expiry_time":-1}]}' % (INFO, TOKEN_ID2, FIRST_MARKER)),
                     revoke_ok, create_ok]),
        "text-and-empty": session_input(
            0, 3, [op(REVOKE_OP, 0), op(LIST_OP), op(CREATE_OP, 1)], flags=0x10,
            answers=["C" + response(400, TEXT_400, ctype="text/plain"), "N", "T" + response(200, CREATE)]),
    }
    return {"fuzz_http_reader": http, "fuzz_json": json, "fuzz_list_reader": lists, "fuzz_request": requests,
            "fuzz_session": sessions, "fuzz_rotate": rotate_seeds(), "fuzz_proxy": proxy_seeds()}


# ---- fuzz_proxy -------------------------------------------------------------

def proxy_input(answer, credentials=True, trace=True, keep=4, split=0, end=0, work=64):
    """fuzz_proxy.c's layout: flags (credentials, trace, the request kept in
    front), a split size, what follows the answer, the work buffer."""
    flags = (1 if credentials else 0) | (2 if trace else 0) | (keep << 2)
    return bytes([flags, split, end, work]) + answer.encode("latin-1")


def proxy_seeds():
    basic = "dXNlcjpmdXp6LXByb3h5LXBhc3N3b3Jk"  # fuzz_proxy.c's credential, as sent
    return {
        "200": proxy_input("HTTP/1.1 200 Connection established\r\n\r\n"),
        "200-bytewise-after-100": proxy_input("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.0 200 OK\r\nVia: 1.1 p\r\n\r\n",
                                              split=1, keep=0),
        "407-echoing-the-credential": proxy_input(
            "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"corp\"\r\n"
            "X-Echo: Basic %s\r\nX-Raw: fuzz-proxy-password\r\nContent-Length: 5\r\n\r\nnope!" % basic, split=7),
        "403-html": proxy_input("HTTP/1.1 403 Forbidden\r\nContent-Type: text/html\r\n\r\n<html>no</html>",
                                credentials=False),
        "200-with-a-body": proxy_input("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc", keep=60),
        "garbage": proxy_input("SSH-2.0-OpenSSH_9.2\r\n", end=1),
        "cut-then-reset": proxy_input("HTTP/1.1 200 OK\r\nVia:", end=2, work=0),
    }


# ---- fuzz_rotate ------------------------------------------------------------

# The stored token's id of the harness (fuzz_rotate.c), and the tokens the
# service makes in these seeds.
T_ID = "7f3a9c2e4b6d8f0a1c3e5a7b9d1f3a5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f"
N1_VALUE = "dapiN1newtoken5f8e2c7a9b3d1e6f4a0c8b2d9e7"
N1_ID = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"
N2_VALUE = "dapiN2newtokenc3e9a1f7b5d2e8c4a6f0b9d3e1"
N2_ID = "f9e8d7c6b5a40312f9e8d7c6b5a40312f9e8d7c6b5a40312f9e8d7c6b5a40312"
ORPHAN_ID = "3c5e7a9b1d3f5e7c9a1b3d5f7e9c1a3b5d7f9e1c3a5b7d9f1e3c5a7b9d1f3e5a"
DEVICE_MARKER = "[dbtok-device:sensor-17]"
OTHER_MARKER = "[dbtok-device:sensor-17-2]"
def create_marker(k):
    """The recovery marker of the run's k-th create (0 first): the fake
    port's entropy counts up from 0 over the whole run."""
    return "[dbtok:%s]" % "".join("%02x" % ((8 * k + i) & 0xFF) for i in range(8))


def rotate_input(answers, start=0, older=False, bootstrap=False, retries=0, finish_first=False, after=0,
                 lifetime=False, comment=1, device=0, faults=(0, 0), tear=0, unix_day=0, scopes=0, again=False,
                 work=16, conns=b"", splits=b"\x00" * 6):
    flags1 = start | (8 if older else 0) | (0x10 if bootstrap else 0) | (retries << 6)
    flags2 = (1 if finish_first else 0) | (after << 1) | (8 if lifetime else 0) | (comment << 4) | (device << 6)
    conns = bytes(conns) + bytes(16 - len(conns))
    flags7 = scopes | (4 if again else 0)
    header = bytes([work, flags1, flags2, faults[0], faults[1], tear, unix_day, flags7]) + conns + splits
    assert len(header) == 30
    return header + b("\n@@\n".join(answers))


def info(token_id, comment, expiry=-1):
    return ('{"token_id":"%s","creation_time":1796000000000,"expiry_time":%d,"comment":"%s",'
            '"created_by_id":4242,"owner_id":4242}' % (token_id, expiry, comment))


def device_comment(k, text="dbtok device"):
    return "%s %s %s" % (text, DEVICE_MARKER, create_marker(k))


def created(value, token_id, k, text="dbtok device"):
    return "C" + response(200, '{"token_value":"%s","token_info":%s}'
                          % (value, info(token_id, device_comment(k, text), 1796003600000)))


def listed(*infos):
    return "C" + response(200, '{"token_infos":[%s]}' % ",".join(infos))


def rotate_seeds():
    revoked = "C" + response(200, REVOKE)
    gone = "C" + response(404, ERR_404)
    t_info = info(T_ID, "dbtok device %s %s" % (DEVICE_MARKER, "[dbtok:f0f1f2f3f4f5f6f7]"), 1801184000000)
    n1_info = info(N1_ID, device_comment(0), 1796003600000)
    orphan = info(ORPHAN_ID, "dbtok device %s %s" % (DEVICE_MARKER, "[dbtok:e0e1e2e3e4e5e6e7]"))
    other_device = info(TOKEN_ID2, "dbtok device %s" % OTHER_MARKER)
    long_orphan = info("9" * 81, "dbtok device %s" % DEVICE_MARKER)
    return {
        # a new device: step 1, the create with the bootstrap credential, the
        # proof, steps 2 and 3; nothing to retire
        "provisioning": rotate_input([created(N1_VALUE, N1_ID, 0), listed(n1_info, other_device)]),
        # T rotated: the proof lists both, T revoked with N
        "rotation": rotate_input([created(N1_VALUE, N1_ID, 0), listed(t_info, n1_info), revoked], start=2,
                                 lifetime=True, unix_day=129),
        # the create's answer lost: the list shows its marker, that orphan is
        # revoked, the second create works
        "lost-create-recovered": rotate_input(
            ["R" + response(200, '{"token_value":"%s"' % N1_VALUE)[:70],
             listed(t_info, info(ORPHAN_ID, device_comment(0))), revoked, listed(t_info),
             created(N2_VALUE, N2_ID, 1), listed(t_info, info(N2_ID, device_comment(1))), revoked], start=2),
        # answers lost or cut, a connect refused, a send breaking off: the
        # retiree's revoke times out and is revoked by the rotation, whose
        # create and then recovering list are lost; the finish after it
        # finds its list cut
        "lost-answers": rotate_input(
            ["T" + response(200, REVOKE)[:20], revoked, "R" + created(N1_VALUE, N1_ID, 0)[:120], "N",
             listed(t_info)[:90]], start=4, finish_first=True, after=1,
            conns=[0x00, 0x05, 0x00, 0x06 | (3 << 3), 0x80], splits=b"\x03\x00\x81\x10\x00\x07"),
        # the sweep's list names the kept token, with the device's marker,
        # beside an orphan and another device's token: only the orphan goes
        "sweep-list-names-kept": rotate_input(
            [created(N1_VALUE, N1_ID, 0), listed(t_info, n1_info, orphan, other_device), revoked,
             listed(n1_info, orphan, other_device), revoked, listed(n1_info, other_device)], start=2),
        # a create answered with the old token's id: nothing kept, nothing revoked
        "create-answers-old-id": rotate_input([created(N1_VALUE, T_ID, 0), listed(t_info)], start=2, after=1),
        # a token value with CR LF, which would break the Authorization line:
        # never used, revoked
        "value-with-crlf": rotate_input([created("dapi-bad\\r\\nX-Injected: 1", N1_ID, 0), revoked], start=2),
        # an orphan whose id is one byte longer than the client holds: the
        # sweep stops, nothing is revoked by a cut id
        "orphan-id-81": rotate_input(
            [listed(t_info, long_orphan), created(N1_VALUE, N1_ID, 0), listed(t_info, n1_info, long_orphan), revoked,
             listed(n1_info, long_orphan)], start=3, finish_first=True),
        # the boot after a cut at step 2: the retiree is gone already, the
        # sweep revokes an orphan; then a rotation
        "finish-retire-and-sweep": rotate_input(
            [gone, listed(t_info, orphan), revoked, listed(t_info), created(N1_VALUE, N1_ID, 0),
             listed(t_info, n1_info), revoked], start=4, finish_first=True, older=True),
        # the store tears step 2's write (80 bytes of it): N is left alive,
        # the next boot's finish revokes it
        "step-2-torn-reboot": rotate_input(
            [created(N1_VALUE, N1_ID, 0), listed(t_info, n1_info), listed(t_info, n1_info), revoked, listed(t_info)],
            start=2, after=2, faults=(0x32, 0), tear=40),
        # step 3's write fails, then the device reboots and finishes
        "step-3-fails-reboot": rotate_input(
            [created(N1_VALUE, N1_ID, 0), listed(t_info, n1_info), revoked, gone, listed(n1_info)], start=2, after=2,
            faults=(0x03, 0)),
        # the proof refused: N never kept
        "proof-refused": rotate_input(
            [created(N1_VALUE, N1_ID, 0), "C" + response(403, ERR_403_INT)], start=2, bootstrap=True),
        # the service says later, twice, with retries on
        "retries-429-503": rotate_input(
            ["C" + response(429, ERR_429, ("Retry-After: 1",)), created(N1_VALUE, N1_ID, 0),
             "C" + response(503, HTML_503, ctype="text/html"), listed(t_info, n1_info),
             "C" + response(503, '{"error_code":"TEMPORARILY_UNAVAILABLE","message":"later"}'), revoked],
            start=2, retries=3),
        # a provisioning, a reboot with the new token, and its rotation; the
        # longest name and comment, scopes
        "provision-reboot-rotate": rotate_input(
            [created(N1_VALUE, N1_ID, 0, "c" * 103), listed(), created(N2_VALUE, N2_ID, 1, "c" * 103), listed(),
             revoked], after=3, comment=2, device=1, scopes=3, work=40),
        # the create's answer lost, and the list shows its marker on a token
        # whose id the client cannot hold whole: not revoked by a cut id
        "lost-create-orphan-id-81": rotate_input(
            ["R" + created(N1_VALUE, N1_ID, 0)[:80], listed(t_info, info("8" * 81, device_comment(0)))], start=2),
        # a service that says revoked and lists the orphan again: the sweep
        # stops after DBTOK_ROTATE_SWEEP_MAX (8) revokes
        "sweep-bounded": rotate_input([listed(t_info, orphan), revoked] * 9, start=3, finish_first=True),
        # step 2's keep fails: the second rotation on the same device keeps
        # that record first and completes it, creating nothing
        "step-2-fails-rotate-again": rotate_input(
            [created(N1_VALUE, N1_ID, 0), listed(t_info, n1_info), revoked, listed(n1_info)], start=2,
            faults=(0x02, 0), again=True),
        # a create refused by quota, in a small work buffer
        "create-quota": rotate_input(["C" + response(400, ERR_QUOTA)], start=1, work=0, comment=3),
    }


def main():
    for harness, files in seeds().items():
        folder = os.path.join(HERE, "corpus", harness)
        os.makedirs(folder, exist_ok=True)
        for old in os.listdir(folder):
            if old.startswith("seed-"):
                os.remove(os.path.join(folder, old))
        for name, data in files.items():
            with open(os.path.join(folder, "seed-" + name), "wb") as f:
                f.write(data)


if __name__ == "__main__":
    main()

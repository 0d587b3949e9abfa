#!/usr/bin/env python3
"""A scriptable hostile server for consensus-ws tests (Python 3 stdlib only).

One listener on 127.0.0.1 (never anything else), one thread per connection.
The scenario is chosen by the first path segment of each request, so a single
server process serves every case:

    GET /<case>/ws?...        the token endpoint (what Client::request_token asks)
    GET /<case>/sock?token=t  the WebSocket upgrade (the connect_url it hands out)

For a WebSocket case the token endpoint answers a normal 200 whose connect_url
points back at /<case>/sock; for a token case the token endpoint misbehaves.
Every scenario may write arbitrary bytes at arbitrary times (see CASES).

Usage: hostile_server.py [--tls CERT KEY] [--log FILE]
Prints "READY <port>" on stdout once listening; stops on SIGTERM or stdin EOF.
--log writes one JSON object per line: each request (case, kind) and what the
client sent back after the hostile bytes (its close code, or "eof"/"reset").
--tls serves TLS through ssl.SSLObject over the raw socket, so that a scenario
can also corrupt the client's records (the "tls_alert" case: OpenSSL then
answers with a real, encrypted fatal alert mid-session).
"""

import base64
import hashlib
import json
import os
import socket
import ssl
import struct
import sys
import threading
import time

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MAX_HEAD = 64 * 1024
IO_TIMEOUT_S = 10.0
LOG_LOCK = threading.Lock()
LOG_FILE = None

# ---------------------------------------------------------------- transport


class Plain:
    """The accepted socket as it is."""

    def __init__(self, sock):
        self.sock = sock

    def send(self, data):
        self.sock.sendall(data)

    def recv(self, n):
        return self.sock.recv(n)


class Tls:
    """TLS through a memory BIO: the scenario sees plaintext, and may also
    tamper with the client's raw records (corrupt_next_record)."""

    def __init__(self, sock, ctx):
        self.sock = sock
        self.inc = ssl.MemoryBIO()
        self.out = ssl.MemoryBIO()
        self.obj = ctx.wrap_bio(self.inc, self.out, server_side=True)
        self.corrupt = False

    def _flush(self):
        data = self.out.read()
        if data:
            self.sock.sendall(data)

    def _pull(self):
        data = self.sock.recv(16384)
        if not data:
            self.inc.write_eof()
            return False
        if self.corrupt:
            # Flip a byte inside the record body (past the 5-byte header): the
            # record's MAC fails and OpenSSL sends a bad_record_mac alert.
            b = bytearray(data)
            b[min(len(b) - 1, 8)] ^= 0x55
            data = bytes(b)
        self.inc.write(data)
        return True

    def handshake(self):
        while True:
            try:
                self.obj.do_handshake()
                self._flush()
                return
            except ssl.SSLWantReadError:
                self._flush()
                if not self._pull():
                    raise ConnectionError("eof in handshake")

    def send(self, data):
        self.obj.write(data)
        self._flush()

    def recv(self, n):
        while True:
            try:
                return self.obj.read(n)
            except ssl.SSLWantReadError:
                self._flush()
                if not self._pull():
                    return b""
            except ssl.SSLError:
                self._flush()  # the alert OpenSSL queued
                raise


# ---------------------------------------------------------------- helpers


def log(**fields):
    if LOG_FILE is None:
        return
    with LOG_LOCK:
        LOG_FILE.write(json.dumps(fields) + "\n")
        LOG_FILE.flush()


def read_head(conn):
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = conn.recv(4096)
        if not chunk:
            return None
        buf += chunk
        if len(buf) > MAX_HEAD:
            return None
    head = buf.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    lines = head.split("\r\n")
    parts = lines[0].split(" ")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return parts[1] if len(parts) > 1 else "/", headers


def accept_of(key):
    return base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()


def frame(opcode, payload=b"", fin=True, rsv=0, mask=False, length=None):
    """A server frame with any header bits; `length` overrides the declared size."""
    n = len(payload) if length is None else length
    head = bytes([(0x80 if fin else 0) | (rsv << 4) | opcode])
    mbit = 0x80 if mask else 0
    if n < 126:
        head += bytes([mbit | n])
    elif n <= 0xFFFF:
        head += bytes([mbit | 126]) + struct.pack(">H", n)
    else:
        head += bytes([mbit | 127]) + struct.pack(">Q", n)
    if mask:
        key = b"\x01\x02\x03\x04"
        payload = bytes(c ^ key[i % 4] for i, c in enumerate(payload))
        head += key
    return head + payload


def close_frame(code, reason=b""):
    return frame(0x8, struct.pack(">H", code) + reason)


def hold_silent(conn, case):
    """Sends nothing more and keeps the connection open until the client ends it
    (or IO_TIMEOUT_S passes); logs when that was, after how long."""
    start = time.monotonic()
    conn.sock.settimeout(IO_TIMEOUT_S)
    try:
        while conn.recv(4096):
            pass
        event = "client_eof"
    except socket.timeout:
        event = "client_silent"
    except (ConnectionError, OSError, ssl.SSLError):
        event = "client_reset"
    log(case=case, event=event, after_ms=int((time.monotonic() - start) * 1000))


def reset(conn):
    """Ends the TCP connection with a RST (SO_LINGER 0)."""
    conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.sock.close()


def read_client_frames(conn, case, seconds=3.0):
    """After the hostile bytes: logs the client's close code (or eof/reset)."""
    conn.sock.settimeout(seconds)
    buf = b""
    try:
        while True:
            chunk = conn.recv(4096)
            if not chunk:
                log(case=case, event="client_eof")
                return
            buf += chunk
            while len(buf) >= 2:
                op = buf[0] & 0x0F
                n = buf[1] & 0x7F
                off = 2
                if n == 126:
                    if len(buf) < 4:
                        break
                    n = struct.unpack(">H", buf[2:4])[0]
                    off = 4
                elif n == 127:
                    if len(buf) < 10:
                        break
                    n = struct.unpack(">Q", buf[2:10])[0]
                    off = 10
                if len(buf) < off + 4 + n:
                    break
                key = buf[off:off + 4]
                body = bytes(c ^ key[i % 4] for i, c in enumerate(buf[off + 4:off + 4 + n]))
                buf = buf[off + 4 + n:]
                if op == 0x8:
                    code = struct.unpack(">H", body[:2])[0] if len(body) >= 2 else 1005
                    log(case=case, event="client_close", code=code)
                    return
                log(case=case, event="client_frame", opcode=op, size=len(body))
    except socket.timeout:
        log(case=case, event="client_silent")
    except (ConnectionError, OSError, ssl.SSLError):
        log(case=case, event="client_reset")


# ---------------------------------------------------------------- responses


def http(status, reason, headers=(), body=b""):
    out = "HTTP/1.1 %d %s\r\n" % (status, reason)
    for name, value in headers:
        out += "%s: %s\r\n" % (name, value)
    return out.encode() + b"\r\n" + body


def json_200(body):
    return http(200, "OK", [("Content-Type", "application/json"),
                            ("Content-Length", str(len(body))), ("Connection", "close")], body)


def token_body(case, host, scheme):
    url = "%s://%s/%s/sock?token=tok-%s" % (scheme, host, case, case)
    return json.dumps({"token": "tok-" + case, "connect_url": url, "expires_in": 60}).encode()


def switching(key, accept=True, upgrade=True):
    h = []
    if upgrade:
        h += [("Upgrade", "websocket"), ("Connection", "Upgrade")]
    if accept is True:
        h.append(("Sec-WebSocket-Accept", accept_of(key)))
    elif accept:
        h.append(("Sec-WebSocket-Accept", accept))
    return http(101, "Switching Protocols", h)


# A tiny, valid x402 v2 challenge (the client only needs to decode it).
CHALLENGE = base64.b64encode(json.dumps({
    "x402Version": 2, "error": "Payment required",
    "resource": {"url": "http://localhost/ws", "description": "hostile", "mimeType": ""},
    "accepts": [{"scheme": "exact", "network": "eip155:84532", "amount": "7500",
                 "asset": "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
                 "payTo": "0xC0Dec0dec0DeC0Dec0dEc0DEC0DEC0DEC0DEC0dE",
                 "maxTimeoutSeconds": 300, "extra": {"name": "USDC", "version": "2"}}],
}).encode()).decode()

# The same challenge asking a million USDC (1e12 units) for the session.
CHALLENGE_MILLION = base64.b64encode(
    base64.b64decode(CHALLENGE).replace(b'"amount": "7500"', b'"amount": "1000000000000"')).decode()

# What the service says when a session's time is up.
SESSION_EXPIRED = json.dumps({
    "type": "session_expired", "reason": "time_limit_reached",
    "finalUsage": {"durationMinutes": 0.01, "dataMB": 0},
}).encode()

# The service's first message on a new session.
SESSION_START = json.dumps({
    "type": "session_start", "sessionId": "hostile", "model": "hybrid", "served_by": "local",
    "limits": {"timeSeconds": 300, "dataMB": 50},
    "pricing": {"totalCost": 0.0075, "pricePerMinute": 0.0005, "pricePerMB": 0.0001},
}).encode()

# ---------------------------------------------------------------- token cases


def token_case(case, conn, headers):
    """Returns True when `case` is a token-endpoint scenario (and served it)."""
    host = headers.get("host", "localhost")
    if case == "tok_chunked":
        body = token_body(case, host, "ws")
        chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 7]), body[i:i + 7])
                          for i in range(0, len(body), 7))
        conn.send(http(200, "OK", [("Transfer-Encoding", "chunked"),
                                   ("Connection", "close")], chunks + b"0\r\n\r\n"))
    elif case == "tok_10mb":
        conn.send(http(200, "OK", [("Content-Length", str(10 * 1024 * 1024))]))
        block = b"x" * 65536
        try:
            for _ in range(160):
                conn.send(block)
        except OSError:
            log(case=case, event="client_stopped_reading")
    elif case == "tok_huge_content_length":  # declares 100 MB, then sends nothing
        conn.send(http(200, "OK", [("Content-Type", "application/json"),
                                   ("Content-Length", "100000000")]))
        hold_silent(conn, case)
    elif case == "tok_huge_chunk":  # a chunk of 4 GiB - 1 declared, then nothing
        conn.send(http(200, "OK", [("Content-Type", "application/json"),
                                   ("Transfer-Encoding", "chunked")], b"FFFFFFFF\r\n"))
        hold_silent(conn, case)
    elif case == "tok_10k_headers":
        head = b"".join(b"X-H%d: v\r\n" % i for i in range(10000))
        conn.send(b"HTTP/1.1 200 OK\r\n" + head + b"Content-Length: 2\r\n\r\n{}")
    elif case == "tok_1mb_header":
        conn.send(b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * (1024 * 1024) +
                  b"\r\nContent-Length: 2\r\n\r\n{}")
    elif case == "tok_bad_json":
        conn.send(json_200(b'{"token": "abc", "connect_url": "ws://x/'))
    elif case == "tok_escapes":
        conn.send(json_200(b'{"token":"a\\"b\\\\c\\/\\u00e9\\ud83d\\ude00",'
                           b'"connect_url":"ws://127.0.0.1/x?t=\\u0041","expires_in":30}'))
    elif case == "tok_elsewhere":  # a connect_url on a host the client never asked
        conn.send(json_200(b'{"token":"t","connect_url":"ws://evil.example:22/x?token=t",'
                           b'"expires_in":60}'))
    elif case == "tok_tls_downgrade":  # over https, a token to present in clear
        conn.send(json_200(token_body(case, host, "ws")))
    elif case == "tok_100_flood":  # "100 Continue" without end: the real answer never comes
        flood(conn, b"HTTP/1.1 100 Continue\r\n\r\n" * 64)
    elif case == "tok_number":
        conn.send(json_200(b'{"token":12345,"connect_url":"ws://localhost/x"}'))
    elif case == "tok_dup_keys":
        conn.send(json_200(b'{"token":"a","connect_url":"ws://localhost/x","token":"b"}'))
    elif case == "tok_deep":
        conn.send(json_200(b'{"deep":' + b"[" * 1000 + b"]" * 1000 +
                           b',"token":"t","connect_url":"ws://localhost/x"}'))
    elif case == "tok_402_garbled":
        conn.send(http(402, "Payment Required", [("PAYMENT-REQUIRED", "%%%not-base64%%%"),
                                                 ("Content-Length", "2")], b"{}"))
    elif case == "tok_402_loop":
        conn.send(http(402, "Payment Required", [("PAYMENT-REQUIRED", CHALLENGE),
                                                 ("Content-Length", "2")], b"{}"))
    elif case.startswith("tok_redirect_"):
        status = int(case.rsplit("_", 1)[1])
        conn.send(http(status, "Moved", [("Location", "http://%s/elsewhere/ws" % host),
                                         ("Content-Length", "0")]))
    elif case.startswith("paid_"):  # x402: 402 first, 200 for any payment header
        if "payment-signature" not in headers:
            conn.send(http(402, "Payment Required", [("PAYMENT-REQUIRED", CHALLENGE),
                                                     ("Content-Length", "2")], b"{}"))
        else:
            conn.send(json_200(token_body(case, host, "ws")))
    elif case == "tok_402_million":  # asks a million USDC; pays out a token to anyone paying
        if "payment-signature" not in headers:
            conn.send(http(402, "Payment Required", [("PAYMENT-REQUIRED", CHALLENGE_MILLION),
                                                     ("Content-Length", "2")], b"{}"))
        else:
            conn.send(json_200(token_body(case, host, "ws")))
    elif case.startswith("paid500_"):  # 402, then 500 for every paid request
        if "payment-signature" not in headers:
            conn.send(http(402, "Payment Required", [("PAYMENT-REQUIRED", CHALLENGE),
                                                     ("Content-Length", "2")], b"{}"))
        else:
            conn.send(http(500, "Internal Server Error", [("Content-Length", "20")],
                           b'{"error":"exploded"}'))
    elif case.startswith("wssat_"):  # wssat_<port>_<case>: a session on another server
        _, port, rest = case.split("_", 2)
        url = "wss://localhost:%s/%s/sock?token=t" % (port, rest)
        conn.send(json_200(json.dumps({"token": "t", "connect_url": url,
                                       "expires_in": 60}).encode()))
    elif case == "tok_500_escapes":
        # An error text that, printed raw, erases the line and fakes a success.
        body = b'{"error":"\\u001b[2K\\rOK: session opened, 0 USD charged"}'
        conn.send(http(500, "Internal Server Error",
                       [("Content-Type", "application/json"),
                        ("Content-Length", str(len(body))), ("Connection", "close")], body))
    elif case == "tok_reset":
        conn.send(b"HTTP/1.1 200 OK\r\nContent-Le")
        time.sleep(0.05)
        reset(conn)
        return True
    elif case == "tok_slow":
        for b in json_200(token_body(case, host, "ws")):
            conn.send(bytes([b]))
            time.sleep(0.1)
    else:
        return False
    return True


# ---------------------------------------------------------------- WebSocket cases

BIG = 16384  # the tests' max_message_bytes


def ws_frames(case):
    """Frames sent after a valid 101, or None when `case` is not a frame case."""
    return {
        "ws_len_2_63": frame(0x2, length=1 << 63) + b"\x00" * 16,
        "ws_huge_declared": frame(0x2, length=1 << 40),  # the header alone, then nothing
        "ws_max_plus_one": frame(0x2, b"z" * (BIG + 1)),
        "ws_max_plus_one_fragmented": frame(0x2, b"z" * BIG, fin=False) + frame(0x0, b"z"),
        "ws_cont_without_start": frame(0x0, b"orphan"),
        "ws_new_msg_in_fragmented": frame(0x1, b"first", fin=False) + frame(0x1, b"second"),
        "ws_ping_126": frame(0x9, b"p" * 126),
        "ws_ping_fragmented": frame(0x9, b"p", fin=False) + frame(0x0, b"q"),
        "ws_rsv1": frame(0x1, b"hi", rsv=4),
        "paid_rsv1": frame(0x1, b"hi", rsv=4),
        # Takes the money, starts the session, drops it at once.
        "paid_1011_at_start": frame(0x1, SESSION_START) + close_frame(1011, b"taken"),
        # Takes the money, starts the session, expires it at once.
        "paid_expire_at_start": frame(0x1, SESSION_START) + frame(0x1, SESSION_EXPIRED) +
        close_frame(1000, b"Time limit reached"),
        "ws_rsv3": frame(0x1, b"hi", rsv=1),
        "ws_opcode_3": frame(0x3, b"hi"),
        "ws_opcode_b": frame(0xB, b"hi"),
        "ws_masked": frame(0x1, b"hi", mask=True),
        "ws_utf8_split_bad": frame(0x1, b"ok \xe2\x82", fin=False) + frame(0x0, b"\x28"),
        "ws_utf8_split_good": frame(0x1, b"ok \xe2\x82", fin=False) + frame(0x0, b"\xac") +
        close_frame(1000, b"done"),
        "ws_close_1005": close_frame(1005),
        "ws_close_999": close_frame(999),
        "ws_close_1004": close_frame(1004),
        "ws_close_5000": close_frame(5000),
        "ws_close_1byte": frame(0x8, b"\x03"),
        "ws_close_bad_utf8": close_frame(1000, b"bye \xff"),
        "ws_data_after_close": close_frame(1001, b"going") + frame(0x1, b"after close"),
        # Terminal controls in every server string the CLI prints: the session id,
        # the node name (C1 CSI, U+009B), a text message and a close reason.
        "ws_terminal_controls": frame(0x1, json.dumps({
            "type": "session_start", "sessionId": "\x1b[2K\rs-1", "served_by": "node\x9b1",
            "limits": {"timeSeconds": 300, "dataMB": 50}}).encode()) +
        frame(0x1, b"\x1b[2K\rOK\nsecond line") + close_frame(4000, b"\x1b[2Kbye\r"),
    }.get(case)


def ws_case(case, conn, headers):
    key = headers.get("sec-websocket-key", "")
    simple = {
        "ws_bad_accept": lambda: switching(key, accept="dGhlIHNhbXBsZSBub25jZQ=="),
        "ws_no_accept": lambda: switching(key, accept=False),
        "ws_no_upgrade": lambda: switching(key, upgrade=False),
        "ws_200": lambda: http(200, "OK", [("Content-Length", "2")], b"{}"),
        "ws_204": lambda: http(204, "No Content"),
        "ws_401": lambda: http(401, "Unauthorized"),
        "ws_403": lambda: http(403, "Forbidden", [("Content-Length", "0")]),
        "ws_500": lambda: http(500, "Internal Server Error",
                               [("Content-Length", "20")], b'{"error":"exploded"}'),
        "ws_302": lambda: http(302, "Found", [("Location", "ws://localhost/other"),
                                              ("Content-Length", "0")]),
    }
    if case in simple:
        conn.send(simple[case]())
        return
    if case == "ws_silent":
        conn.sock.settimeout(IO_TIMEOUT_S)
        try:
            conn.recv(1)  # until the client gives up
        except (OSError, ssl.SSLError):
            pass
        log(case=case, event="client_gave_up")
        return
    if case == "ws_reset_handshake":
        conn.send(b"HTTP/1.1 101 Switching Proto")
        time.sleep(0.05)
        reset(conn)
        return
    if case == "tls_garbage_upgrade":
        # A record that does not decrypt in answer to the upgrade request: the
        # client's TLS fails while the upgrade is on the wire.
        conn.sock.sendall(b"\x17\x03\x03\x00\x20" + b"\x5a" * 32)
        time.sleep(0.2)
        return
    if case == "ws_100_flood":  # the upgrade answered by "100 Continue" without end
        flood(conn, b"HTTP/1.1 100 Continue\r\n\r\n" * 64)
        return
    if case == "ws_slow_101":
        for b in switching(key).replace(b"Switching Protocols", b"OK"):
            conn.send(bytes([b]))
            time.sleep(0.1)
        conn.send(close_frame(1000, b"slow but fine"))
        read_client_frames(conn, case)
        return
    conn.send(switching(key))
    if case == "ws_reset_mid_frame":
        conn.send(frame(0x2, b"x" * 1000)[:300])
        time.sleep(0.05)
        reset(conn)
        return
    if case == "tls_alert":
        conn.corrupt = True  # the client's next record (its first message) is broken
        try:
            conn.recv(4096)
        except ssl.SSLError as e:
            log(case=case, event="alert_sent", reason=str(e.reason))
        time.sleep(0.2)
        return
    if case in ("ws_echo", "paid_echo"):
        echo(conn, case)
        return
    if case == "ws_data_flood":  # text frames without end, whatever the client says
        flood(conn, frame(0x1, b"flood " * 20) * 200)
        return
    if case == "ws_ping_flood":  # pings without end: each one asks for a pong
        flood(conn, frame(0x9, b"p") * 1000)
        return
    if case == "soak":
        soak(conn)
        return
    data = ws_frames(case)
    if data is None:
        conn.send(close_frame(4000, b"unknown case"))
        return
    conn.send(data)
    read_client_frames(conn, case)


def flood(conn, block, seconds=10.0):
    """Sends `block` again and again for `seconds` (bounded: tests stop it)."""
    end = time.monotonic() + seconds
    try:
        while time.monotonic() < end:
            conn.send(block)
    except (OSError, ssl.SSLError):
        pass


def echo(conn, case):
    """A minimal echo peer (for cases that need a working session)."""
    conn.sock.settimeout(IO_TIMEOUT_S)
    buf = b""
    while True:
        chunk = conn.recv(65536)
        if not chunk:
            return
        buf += chunk
        while len(buf) >= 6:
            op, n, off = buf[0] & 0x0F, buf[1] & 0x7F, 2
            if n == 126:
                n, off = struct.unpack(">H", buf[2:4])[0], 4
            elif n == 127:
                n, off = struct.unpack(">Q", buf[2:10])[0], 10
            if len(buf) < off + 4 + n:
                break
            key = buf[off:off + 4]
            body = bytes(c ^ key[i % 4] for i, c in enumerate(buf[off + 4:off + 4 + n]))
            buf = buf[off + 4 + n:]
            if op == 0x8:
                conn.send(frame(0x8, body[:2]))
                log(case=case, event="client_close",
                    code=struct.unpack(">H", body[:2])[0] if len(body) >= 2 else 1005)
                return
            conn.send(frame(op, body))


SOAK_COUNT = [0]


def soak(conn):
    """Echoes 3 messages, then ends the link, in turn by a RST, by a FIN
    without close frame, and by a close frame 1011 (the soak's drop cycle)."""
    conn.sock.settimeout(IO_TIMEOUT_S)
    with LOG_LOCK:
        SOAK_COUNT[0] += 1
        how = SOAK_COUNT[0] % 3
    conn.send(frame(0x1, SESSION_START))  # as the service: the session is usable from here
    buf = b""
    echoed = 0
    while echoed < 3:
        chunk = conn.recv(65536)
        if not chunk:
            return
        buf += chunk
        while len(buf) >= 6 and echoed < 3:
            n = buf[1] & 0x7F
            if n >= 126 or len(buf) < 6 + n:
                break  # the soak's messages are short
            op = buf[0] & 0x0F
            key = buf[2:6]
            body = bytes(c ^ key[i % 4] for i, c in enumerate(buf[6:6 + n]))
            buf = buf[6 + n:]
            if op == 0x8:  # the caller's close: answer it, the cycle ends
                conn.send(frame(0x8, body[:2]))
                return
            conn.send(frame(0x1, body))
            echoed += 1
    if how == 0:
        reset(conn)
    elif how == 1:
        conn.sock.shutdown(socket.SHUT_RDWR)
    else:
        conn.send(close_frame(1011, b"soak drop"))
        time.sleep(0.02)


# ---------------------------------------------------------------- server


def serve(sock, tls_ctx, plain_http_on_tls):
    conn = Plain(sock)
    try:
        sock.settimeout(IO_TIMEOUT_S)
        if tls_ctx is not None:
            conn = Tls(sock, tls_ctx)
            conn.handshake()
        elif plain_http_on_tls:
            first = sock.recv(1, socket.MSG_PEEK)
            if first == b"\x16":  # a TLS ClientHello on this plain port
                log(case="plain_tcp", event="tls_hello_on_plain")
                conn.send(http(400, "Bad Request", [("Content-Length", "0")]))
                return
        req = read_head(conn)
        if req is None:
            return
        target, headers = req
        segs = target.split("?", 1)[0].strip("/").split("/")
        case, kind = segs[0], (segs[1] if len(segs) > 1 else "")
        upgrade = headers.get("upgrade", "").lower() == "websocket"
        log(case=case, event="request", kind=kind, upgrade=upgrade,
            payment="payment-signature" in headers,
            region=headers.get("x-node-region"))
        if upgrade:
            ws_case(case, conn, headers)
        elif not token_case(case, conn, headers):
            scheme = "wss" if (tls_ctx is not None or case.startswith("wss_")) else "ws"
            conn.send(json_200(token_body(case, headers.get("host", "localhost"), scheme)))
    except (OSError, ConnectionError, ssl.SSLError) as e:
        log(event="io_error", error=str(e))
    finally:
        try:
            sock.close()
        except OSError:
            pass


def main():
    global LOG_FILE
    args = sys.argv[1:]
    tls_ctx = None
    while args:
        a = args.pop(0)
        if a == "--tls":
            tls_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            tls_ctx.load_cert_chain(args.pop(0), args.pop(0))
        elif a == "--log":
            LOG_FILE = open(args.pop(0), "a", encoding="utf-8")
        else:
            sys.stderr.write("usage: hostile_server.py [--tls CERT KEY] [--log FILE]\n")
            return 2
    lsock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(64)
    print("READY %d" % lsock.getsockname()[1], flush=True)
    # Stop when the parent closes our stdin (it died or is done).
    threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
    while True:
        sock, _ = lsock.accept()
        threading.Thread(target=serve, args=(sock, tls_ctx, tls_ctx is None),
                         daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Black-box tests of consensus-devserver: spawn the built binary and talk to it
over loopback as a client would (Python 3 standard library only; the WebSocket
client is written out below).

    test_devserver.py --server PATH [--gen-cert scripts/gen-dev-cert] [--workdir DIR]
"""
import argparse
import base64
import hashlib
import http.client
import json
import os
import re
import resource
import select
import signal
import socket
import ssl
import stat
import struct
import subprocess
import sys
import tempfile
import time
import unittest

ARGS = None
HERE = os.path.dirname(os.path.abspath(__file__))
VECTORS = os.path.normpath(os.path.join(HERE, "../../../tests/vectors/x402"))
VECTOR_HOST = "127.0.0.1:18402"  # the Host the vectors were captured with
QUERY = "/ws?model=hybrid&minutes=5&megabytes=50"


def vector_text(name):
    with open(os.path.join(VECTORS, name), "rb") as f:
        return f.read().decode()


def vector_json(name):
    return json.loads(vector_text(name))


def vector_header(name, header):
    for line in vector_text(name).split("\r\n"):
        if line.lower().startswith(header.lower() + ":"):
            return line.split(":", 1)[1].strip()
    raise KeyError(header)


def b64json(obj):
    return base64.b64encode(json.dumps(obj, separators=(",", ":")).encode()).decode()


class DevServer:
    """One consensus-devserver process; stops it with SIGTERM."""

    def __init__(self, *extra, tls=None, log_path=None):
        self.workdir = tempfile.mkdtemp(prefix="devserver-", dir=ARGS.workdir)
        self.log_path = log_path or os.path.join(self.workdir, "log.jsonl")
        cmd = [ARGS.server, "--port", "0", "--log", self.log_path, *extra]
        if tls:
            cmd += ["--tls", "--cert", tls[0], "--key", tls[1]]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        line = self.proc.stdout.readline().decode()
        if not line.startswith("READY "):
            raise RuntimeError("no READY line: %r %r" % (line, self.proc.stderr.read()))
        self.port = int(line.split()[1])
        self.ready_line = line

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        rc = self.proc.wait(timeout=10)
        self.stderr = self.proc.stderr.read().decode()
        self.proc.stdout.close()
        self.proc.stderr.close()
        for marker in ("AddressSanitizer", "LeakSanitizer", "runtime error:"):
            assert marker not in self.stderr, self.stderr  # sanitizer builds report here
        return rc

    def log(self):
        with open(self.log_path) as f:
            return [json.loads(line) for line in f if line.strip()]

    def get(self, path, headers=None, host=None, tls_ctx=None):
        """GET over a fresh connection; returns (status, header list, body bytes)."""
        if tls_ctx:
            conn = http.client.HTTPSConnection("localhost", self.port, context=tls_ctx, timeout=10)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        hdrs = {"Accept": "application/json"}
        if host:
            hdrs["Host"] = host
        hdrs.update(headers or {})
        conn.request("GET", path, headers=hdrs)
        resp = conn.getresponse()
        body = resp.read()
        conn.close()
        return resp.status, resp.getheaders(), body

    def buy(self, query=QUERY, headers=None, tls_ctx=None):
        """Token purchase: 402, then a retry paid with the vector's payment."""
        status, hdrs, body = self.get(query, headers, tls_ctx=tls_ctx)
        if status == 402:
            challenge = json.loads(base64.b64decode(dict(hdrs)["PAYMENT-REQUIRED"]))
            payment = vector_json("paid-request.json")
            payment["accepted"] = challenge["accepts"][0]
            h = dict(headers or {})
            h["PAYMENT-SIGNATURE"] = b64json(payment)
            status, hdrs, body = self.get(query, h, tls_ctx=tls_ctx)
        assert status == 200, (status, body)
        return json.loads(body)


class WsClient:
    """A minimal RFC 6455 client: enough to drive the server in tests."""

    def __init__(self, port, path, headers=None, tls_ctx=None, expect_101=True):
        raw = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock = tls_ctx.wrap_socket(raw, server_hostname="localhost") if tls_ctx else raw
        self.buf = b""
        key = base64.b64encode(os.urandom(16)).decode()
        req = ("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n"
               % (path, port, key))
        for k, v in (headers or {}).items():
            req += "%s: %s\r\n" % (k, v)
        self.sock.sendall((req + "\r\n").encode())
        self.key = key
        self.response = self._read_head() if expect_101 else None

    def _read_head(self):
        while b"\r\n\r\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                break
            self.buf += chunk
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        return head.decode()

    def read_all_until_eof(self):
        data = self.buf
        while True:
            chunk = self.sock.recv(65536)
            if not chunk:
                return data
            data += chunk

    def _need(self, n):
        while len(self.buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def recv_frame(self):
        """Returns (opcode, payload); server frames must be unmasked and final."""
        b0, b1 = self._need(2)
        assert b1 & 0x80 == 0, "server frame is masked"
        n = b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._need(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._need(8))[0]
        return b0 & 0x0F, self._need(n)

    def recv_json(self):
        op, data = self.recv_frame()
        assert op == 1, op
        return json.loads(data)

    def send(self, payload, opcode=1):
        if isinstance(payload, str):
            payload = payload.encode()
        mask = os.urandom(4)
        n = len(payload)
        if n < 126:
            head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
        elif n < 65536:
            head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
        body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(head + mask + body)

    def close(self, code=1000, reason=b""):
        self.send(struct.pack("!H", code) + reason, opcode=8)

    def nothing_arrives(self, seconds):
        """True when no byte arrives and the peer does not close within `seconds`."""
        if self.buf:
            return False
        r, _, _ = select.select([self.sock], [], [], seconds)
        return not r


def close_code(payload):
    return struct.unpack("!H", payload[:2])[0], payload[2:].decode()


class PaidMode(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = DevServer()

    @classmethod
    def tearDownClass(cls):
        assert cls.srv.stop() == 0

    def test_ready_line_and_loud_warning(self):
        self.assertRegex(self.srv.ready_line, r"^READY \d+\n$")
        self.assertGreater(self.srv.port, 0)

    def challenge(self, query=QUERY, headers=None):
        status, hdrs, body = self.srv.get(query, headers, host=VECTOR_HOST)
        self.assertEqual(status, 402)
        self.assertEqual(body, b"{}")
        return dict(hdrs), json.loads(base64.b64decode(dict(hdrs)["PAYMENT-REQUIRED"]))

    def test_402_challenge_is_byte_identical_to_the_vector(self):
        hdrs, decoded = self.challenge()
        self.assertEqual(hdrs["PAYMENT-REQUIRED"],
                         vector_header("402-hybrid.http", "PAYMENT-REQUIRED"))
        self.assertEqual(decoded, vector_json("402-hybrid.json"))
        self.assertEqual(hdrs["Content-Type"], "application/json; charset=utf-8")
        self.assertEqual(hdrs["Cache-Control"], "no-store")
        self.assertEqual(hdrs["ETag"], vector_header("402-hybrid.http", "ETag"))

    def test_402_header_order_matches_the_vector(self):
        status, hdrs, _ = self.srv.get(QUERY, host=VECTOR_HOST)
        names = [k for k, _ in hdrs]
        self.assertEqual(names, vector_json("402-unsupported-version.json")["headerNames"])

    def test_amounts_per_model_match_the_vectors(self):
        for query, vec in (("/ws?model=time&minutes=5", "402-time.json"),
                           ("/ws?model=data&megabytes=50", "402-data.json"),
                           ("/ws?model=hybrid&minutes=abc", "402-nonnumeric-minutes.json")):
            with self.subTest(query=query):
                self.assertEqual(self.challenge(query)[1], vector_json(vec))

    def test_rounded_amounts(self):
        # data 1 MB costs 0.00012, charged "$0.0001" = 100 atomic units
        self.assertEqual(self.challenge("/ws?model=data&megabytes=1")[1]["accepts"][0]["amount"],
                         "100")
        self.assertEqual(self.challenge("/ws?model=hybrid&minutes=0x10&megabytes=0")[1]
                         ["accepts"][0]["amount"], "8000")  # parseInt("0x10") == 16

    def test_bad_payment_headers(self):
        good = vector_json("paid-request.json")
        no_accepted = dict(good)
        del no_accepted["accepted"]
        other_amount = json.loads(json.dumps(good))
        other_amount["accepted"]["amount"] = "1"
        v3 = dict(good, x402Version=3)
        cases = [("%%% not base64 %%%", "Payment required"),
                 ("aGVsbG8gd29ybGQ=", "Payment required"),
                 (b64json(no_accepted), "No matching payment requirements"),
                 (b64json(other_amount), "No matching payment requirements"),
                 (b64json(v3), "Unsupported x402 version: 3")]
        for header, error in cases:
            with self.subTest(error=error, header=header[:20]):
                _, decoded = self.challenge(headers={"PAYMENT-SIGNATURE": header})
                self.assertEqual(decoded["error"], error)

    def test_v1_x_payment_is_ignored(self):
        value = vector_header("paid-request.http", "PAYMENT-SIGNATURE")
        _, decoded = self.challenge(headers={"X-PAYMENT": value})
        self.assertEqual(decoded["error"], "Payment required")

    def test_paid_retry_gets_token_and_receipt(self):
        sig = vector_header("paid-request.http", "PAYMENT-SIGNATURE")
        status, hdrs, body = self.srv.get(QUERY, {"PAYMENT-SIGNATURE": sig}, host=VECTOR_HOST)
        self.assertEqual(status, 200)
        hdrs = dict(hdrs)
        self.assertEqual(hdrs["Cache-Control"], "private")
        receipt = json.loads(base64.b64decode(hdrs["PAYMENT-RESPONSE"]))
        self.assertEqual(list(receipt), ["success", "payer", "transaction", "network"])
        self.assertTrue(receipt["success"])
        self.assertEqual(receipt["payer"], "0x2f5c34fbc99dd9f01ace001cd3c0599843b8a4b3")
        self.assertRegex(receipt["transaction"], r"^0x[0-9a-f]{64}$")
        self.assertEqual(receipt["network"], "eip155:84532")
        token = json.loads(body)
        self.assertEqual(list(token), ["token", "connect_url", "expires_in"])
        self.assertRegex(token["token"],
                         r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
        self.assertEqual(token["connect_url"],
                         "ws://%s/ws-connect?token=%s" % (VECTOR_HOST, token["token"]))
        self.assertEqual(token["expires_in"], 60)

    def test_payment_for_other_params_does_not_match(self):
        sig = vector_header("paid-request.http", "PAYMENT-SIGNATURE")  # pays hybrid 5/50
        _, decoded = self.challenge("/ws?model=hybrid&minutes=6&megabytes=50",
                                    {"PAYMENT-SIGNATURE": sig})
        self.assertEqual(decoded["error"], "No matching payment requirements")

    def test_invalid_params(self):
        status, _, body = self.srv.get("/ws?model=bogus")
        self.assertEqual(status, 400)
        self.assertIn("error", json.loads(body))
        status, _, body = self.srv.get("/ws?model=hybrid&minutes=-20")
        self.assertEqual((status, json.loads(body)), (500, {"error": "Internal Server Error"}))
        status, _, _ = self.srv.get("/nowhere")
        self.assertEqual(status, 404)

    def test_session_start_echo_and_close(self):
        tok = self.srv.buy(headers={"x-node-region": "eu-central"})
        ws = WsClient(self.srv.port, "/ws-connect?token=" + tok["token"],
                      {"x-node-region": "eu-central", "x-node-exclude": "node-a,node-b"})
        self.assertTrue(ws.response.startswith("HTTP/1.1 101 Switching Protocols\r\n"))
        accept = base64.b64encode(
            __import__("hashlib").sha1((ws.key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
                                       .encode()).digest()).decode()
        self.assertIn("Sec-WebSocket-Accept: " + accept, ws.response)
        start = ws.recv_json()
        expected = vector_json("ws-session-start.json")
        self.assertEqual(list(start), list(expected))
        start["sessionId"] = expected["sessionId"]
        self.assertEqual(start, expected)
        ws.send("hello consensus")
        self.assertEqual(ws.recv_frame(), (1, b"hello consensus"))
        ws.send(b"\x00\x01\x02\xfe\xff", opcode=2)
        self.assertEqual(ws.recv_frame(), (2, b"\x00\x01\x02\xfe\xff"))
        ws.send(b"ping!", opcode=9)
        self.assertEqual(ws.recv_frame(), (10, b"ping!"))
        ws.close(1000, b"bye")
        op, payload = ws.recv_frame()
        self.assertEqual((op, close_code(payload)), (8, (1000, "bye")))
        self.assertEqual(ws.read_all_until_eof(), b"")
        # the log saw it all, node headers included
        log = self.srv.log()
        up = [e for e in log if e["event"] == "upgrade" and e["token"] == tok["token"]]
        self.assertEqual(up[0]["status"], 101)
        self.assertEqual(up[0]["headers"],
                         {"x-node-region": "eu-central", "x-node-exclude": "node-a,node-b"})
        sid = up[0]["session"]
        msgs = [e for e in log if e["event"] == "message" and e.get("session") == sid]
        self.assertEqual([(m["bytes"], m["binary"]) for m in msgs], [(15, False), (5, True)])
        closes = [e for e in log if e["event"] == "close" and e.get("session") == sid]
        self.assertEqual((closes[0]["code"], closes[0]["initiator"]), (1000, "client"))
        self.assertEqual((closes[0]["bytes_in"], closes[0]["bytes_out"]), (20, 20))
        reqs = [e for e in log if e["event"] == "token_request" and e.get("token") == tok["token"]]
        self.assertEqual(reqs[0]["headers"], {"x-node-region": "eu-central"})
        self.assertEqual(reqs[0]["paid"], True)
        self.assertEqual(reqs[0]["query"], {"model": "hybrid", "minutes": "5", "megabytes": "50"})

    def test_reused_and_unknown_tokens_get_401_and_eof(self):
        tok = self.srv.buy()["token"]
        ws = WsClient(self.srv.port, "/ws-connect?token=" + tok)
        ws.recv_json()
        for bad in (tok, "00000000-0000-0000-0000-000000000000", ""):
            with self.subTest(token=bad):
                again = WsClient(self.srv.port, "/ws-connect?token=" + bad, expect_101=False)
                self.assertEqual(again.read_all_until_eof(), vector_text("ws-401-unknown-token.http")
                                 .encode())

    def test_upgrade_on_other_path_is_dropped_silently(self):
        tok = self.srv.buy()["token"]
        ws = WsClient(self.srv.port, "/elsewhere?token=" + tok, expect_101=False)
        self.assertEqual(ws.read_all_until_eof(), b"")

    def test_data_limit(self):
        tok = self.srv.buy("/ws?model=data&megabytes=1")["token"]
        ws = WsClient(self.srv.port, "/ws-connect?token=" + tok)
        start = ws.recv_json()
        self.assertEqual(start["limits"], {"timeSeconds": 86400, "dataMB": 1})
        self.assertEqual(start["pricing"],
                         {"totalCost": 0.00012, "pricePerMinute": 0, "pricePerMB": 0.00012})
        big = "z" * 307200
        for _ in range(3):
            ws.send(big)
        self.assertEqual(ws.recv_frame(), (1, big.encode()))
        self.assertEqual(ws.recv_frame(), (1, big.encode()))
        expired = ws.recv_json()
        self.assertEqual(expired["type"], "session_expired")
        self.assertEqual(expired["reason"], "data_limit_reached")
        self.assertEqual(expired["finalUsage"]["dataMB"], 1.46484375)
        op, payload = ws.recv_frame()
        self.assertEqual((op, close_code(payload)), (8, (1008, "Data limit reached")))


class TimeScale(unittest.TestCase):
    def test_time_limit_with_time_scale(self):
        srv = DevServer("--time-scale", "60", "--free")
        try:
            tok = srv.buy("/ws?model=time&minutes=1")
            ws = WsClient(srv.port, "/ws-connect?token=" + tok["token"])
            t0 = time.monotonic()
            start = ws.recv_json()
            self.assertEqual(start["limits"], {"timeSeconds": 1, "dataMB": 2.5})
            self.assertEqual(start["pricing"],
                             {"totalCost": 0.001, "pricePerMinute": 0.001, "pricePerMB": 0})
            expired = ws.recv_json()
            elapsed = time.monotonic() - t0
            self.assertEqual(expired["reason"], "time_limit_reached")
            self.assertEqual(list(expired["finalUsage"]), ["durationMinutes", "dataMB"])
            self.assertAlmostEqual(expired["finalUsage"]["durationMinutes"], 0.0167, delta=0.002)
            op, payload = ws.recv_frame()
            self.assertEqual((op, close_code(payload)), (8, (1000, "Time limit reached")))
            self.assertGreater(elapsed, 0.9)
            ws.close(1000)
            self.assertEqual(ws.read_all_until_eof()[:1], b"")
        finally:
            self.assertEqual(srv.stop(), 0)


class FreeModeAndTtl(unittest.TestCase):
    def test_free_mode_answers_200_directly(self):
        srv = DevServer("--free", "--token-ttl-s", "1")
        try:
            status, hdrs, body = srv.get(QUERY, host="example.test:9")
            self.assertEqual(status, 200)
            tok = json.loads(body)
            self.assertEqual(tok["connect_url"], "ws://example.test:9/ws-connect?token=" + tok["token"])
            self.assertEqual(tok["expires_in"], 1)
            self.assertNotIn("PAYMENT-RESPONSE", dict(hdrs))
            ws = WsClient(srv.port, "/ws-connect?token=" + tok["token"])
            self.assertEqual(ws.recv_json()["type"], "session_start")
            # an unused token expires after --token-ttl-s
            late = srv.buy()["token"]
            time.sleep(1.2)
            ws2 = WsClient(srv.port, "/ws-connect?token=" + late, expect_101=False)
            self.assertEqual(ws2.read_all_until_eof(), b"HTTP/1.1 401 Unauthorized\r\n\r\n")
        finally:
            self.assertEqual(srv.stop(), 0)
        self.assertNotIn("DOES NOT VERIFY", srv.stderr)

    def test_paid_mode_warns_on_stderr_and_help(self):
        srv = DevServer()
        srv.stop()
        self.assertIn("DOES NOT VERIFY PAYMENTS", srv.stderr)
        out = subprocess.run([ARGS.server, "--help"], capture_output=True, text=True)
        self.assertEqual(out.returncode, 0)
        self.assertIn("PAYMENTS ARE NOT VERIFIED", out.stdout)

    def test_version_is_the_project_version(self):
        with open(os.path.join(HERE, "../../../CMakeLists.txt")) as f:
            version = re.search(r"project\(consensus_ws VERSION ([0-9.]+)", f.read()).group(1)
        out = subprocess.run([ARGS.server, "--version"], capture_output=True, text=True)
        self.assertEqual(out.returncode, 0)
        self.assertEqual(out.stdout, "consensus-devserver %s\n" % version)
        self.assertEqual(out.stderr, "")

    def test_bad_arguments_get_one_line_and_exit_2(self):
        cases = (
            (["--bogus", "1"], "unknown option --bogus"),
            (["--tls"], "--tls needs --cert FILE and --key FILE"),
            (["--port", "70000"], "bad value for --port: 70000"),
            (["--log"], "unknown or incomplete argument --log"),
        )
        for argv, what in cases:
            bad = subprocess.run([ARGS.server, *argv], capture_output=True, text=True)
            self.assertEqual(bad.returncode, 2, argv)
            self.assertEqual(bad.stdout, "")
            self.assertEqual(bad.stderr, "consensus-devserver: %s; see --help\n" % what)


class LogFile(unittest.TestCase):
    def test_log_is_readable_by_its_owner_only(self):
        # umask 0: the mode must come from the server, not from a strict umask.
        old = os.umask(0)
        try:
            fresh = DevServer("--free")
            wide_path = os.path.join(fresh.workdir, "wide.jsonl")
            with open(wide_path, "w") as f:
                f.write('{"event":"earlier"}\n')
            os.chmod(wide_path, 0o644)
            wide = DevServer("--free", log_path=wide_path)
        finally:
            os.umask(old)
        try:
            fresh.buy()  # both logs now hold a live token
            wide.buy()
        finally:
            self.assertEqual(fresh.stop(), 0)
            self.assertEqual(wide.stop(), 0)
        self.assertEqual(stat.S_IMODE(os.stat(fresh.log_path).st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(wide_path).st_mode), 0o600)
        events = [e["event"] for e in wide.log()]
        self.assertEqual(events[0], "earlier")  # appended to, not replaced
        self.assertIn("token_request", events)


class TestControls(unittest.TestCase):
    def session(self, srv):
        tok = srv.buy()["token"]
        ws = WsClient(srv.port, "/ws-connect?token=" + tok)
        self.assertEqual(ws.recv_json()["type"], "session_start")
        return ws

    def test_drop_after(self):
        srv = DevServer("--free", "--drop-after", "2")
        try:
            ws = self.session(srv)
            for i in range(2):
                ws.send("m%d" % i)
                self.assertEqual(ws.recv_frame(), (1, b"m%d" % i))
            ws.send("m2")  # may or may not be read: the server is dropping us
            try:
                rest = ws.read_all_until_eof()
            except ConnectionResetError:  # a RST is a drop too
                rest = b""
            self.assertEqual(rest, b"")  # no close frame, no echo of m2
            second = self.session(srv)  # only the first session is affected
            for i in range(3):
                second.send("x")
                self.assertEqual(second.recv_frame(), (1, b"x"))
        finally:
            self.assertEqual(srv.stop(), 0)

    def test_freeze_after(self):
        srv = DevServer("--free", "--freeze-after", "1")
        try:
            ws = self.session(srv)
            ws.send("one")
            self.assertEqual(ws.recv_frame(), (1, b"one"))
            ws.send("two")
            ws.send(b"are you there", opcode=9)
            self.assertTrue(ws.nothing_arrives(0.5))  # no echo, no pong, no FIN
            second = self.session(srv)
            second.send("y")
            self.assertEqual(second.recv_frame(), (1, b"y"))
            sid_msgs = [e for e in srv.log() if e["event"] == "message"]
            self.assertEqual(len(sid_msgs), 2)  # "one" and "y"; "two" was never read
        finally:
            self.assertEqual(srv.stop(), 0)

    def test_close_after(self):
        srv = DevServer("--free", "--close-after", "1", "--close-code", "4001")
        try:
            ws = self.session(srv)
            ws.send("a")
            self.assertEqual(ws.recv_frame(), (1, b"a"))
            op, payload = ws.recv_frame()
            self.assertEqual(op, 8)
            self.assertEqual(close_code(payload)[0], 4001)
            ws.close(4001)
            self.assertEqual(ws.read_all_until_eof(), b"")
        finally:
            self.assertEqual(srv.stop(), 0)



def free_port():
    """A loopback port where nothing listens (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServiceModes(unittest.TestCase):
    """The real service's behaviour where clients break; each mode hits every session."""

    def events(self, srv, name, sid=None):
        return [e for e in srv.log()
                if e["event"] == name and (sid is None or e.get("session") == sid)]

    def session_id(self, srv, token):
        return [e for e in srv.log() if e["event"] == "upgrade" and e["token"] == token][0]["session"]

    def test_start_delay_ms_drops_early_messages(self):
        srv = DevServer("--free", "--start-delay-ms", "800")
        try:
            tok = srv.buy()["token"]
            t0 = time.monotonic()  # before the upgrade request: the server's clock starts later
            ws = WsClient(srv.port, "/ws-connect?token=" + tok)
            self.assertTrue(ws.response.startswith("HTTP/1.1 101 "))
            ws.send("early")
            ws.send(b"\x01\x02\x03", opcode=2)
            ws.send(b"still there?", opcode=9)  # control frames are not messages: answered
            self.assertEqual(ws.recv_frame(), (10, b"still there?"))
            start = ws.recv_json()  # the first data frame: no echo of "early" came before it
            elapsed = time.monotonic() - t0
            self.assertEqual(start["type"], "session_start")
            self.assertGreaterEqual(elapsed, 0.799)  # 1 ms: the server's clock has ms steps
            self.assertLess(elapsed, 5)
            ws.send("late")
            self.assertEqual(ws.recv_frame(), (1, b"late"))
            ws.close(1000)
            self.assertEqual(ws.recv_frame()[0], 8)
            self.assertEqual(ws.read_all_until_eof(), b"")
            sid = self.session_id(srv, tok)
            dropped = self.events(srv, "dropped_before_start", sid)
            self.assertEqual([(d["bytes"], d["binary"]) for d in dropped], [(5, False), (3, True)])
            self.assertEqual([m["bytes"] for m in self.events(srv, "message", sid)], [4])
            close = self.events(srv, "close", sid)[0]
            self.assertEqual((close["bytes_in"], close["bytes_out"]), (4, 4))  # not metered
        finally:
            self.assertEqual(srv.stop(), 0)

    def test_no_session_start(self):
        srv = DevServer("--free", "--no-session-start")
        try:
            tok = srv.buy()["token"]
            ws = WsClient(srv.port, "/ws-connect?token=" + tok)
            self.assertTrue(ws.response.startswith("HTTP/1.1 101 "))
            self.assertTrue(ws.nothing_arrives(0.5))
            ws.send("anyone?")
            self.assertEqual(ws.recv_frame(), (1, b"anyone?"))  # the first frame is the echo
            starts = self.events(srv, "session_start", self.session_id(srv, tok))
            self.assertEqual([s["sent"] for s in starts], [False])
        finally:
            self.assertEqual(srv.stop(), 0)

    def test_refuse_upgrades(self):
        srv = DevServer("--refuse-upgrades")  # paid: the money is taken, the token is good
        try:
            refused = vector_text("ws-401-unknown-token.http").encode()
            tokens = [srv.buy()["token"] for _ in range(2)]
            for tok in tokens + tokens[:1]:  # every session, and the used token again
                ws = WsClient(srv.port, "/ws-connect?token=" + tok, expect_101=False)
                self.assertEqual(ws.read_all_until_eof(), refused)  # no body, no close frame
            log = srv.log()
            self.assertEqual([(e["token"], e["token_valid"]) for e in log
                              if e["event"] == "upgrade_refused"],
                             [(tokens[0], True), (tokens[1], True), (tokens[0], False)])
            self.assertEqual([e["status"] for e in log if e["event"] == "upgrade"], [401] * 3)
            self.assertEqual([e["paid"] for e in log if e["event"] == "token_request"
                              and e["status"] == 200], [True, True])
        finally:
            self.assertEqual(srv.stop(), 0)

    def test_connect_url_port(self):
        port = free_port()
        srv = DevServer("--connect-url-port", str(port))
        try:
            tok = srv.buy()
            self.assertEqual(tok["connect_url"],
                             "ws://127.0.0.1:%d/ws-connect?token=%s" % (port, tok["token"]))
            with self.assertRaises(ConnectionRefusedError):  # nothing listens there
                socket.create_connection(("127.0.0.1", port), timeout=5).close()
            ws = WsClient(srv.port, "/ws-connect?token=" + tok["token"])  # valid on the real port
            self.assertEqual(ws.recv_json()["type"], "session_start")
            for host, url_host in (("example.test:9", "example.test"),
                                   ("example.test", "example.test"),
                                   ("[::1]:9", "[::1]")):
                with self.subTest(host=host):
                    tok = srv.buy(headers={"Host": host})
                    self.assertEqual(tok["connect_url"], "ws://%s:%d/ws-connect?token=%s"
                                     % (url_host, port, tok["token"]))
        finally:
            self.assertEqual(srv.stop(), 0)

    def test_settle_fail(self):
        details = "insufficient funds: \"balance\" 0"
        srv = DevServer("--settle-fail", details)
        try:
            # no payment, or one that does not match: the usual challenge
            status, hdrs, _ = srv.get(QUERY, host=VECTOR_HOST)
            self.assertEqual(status, 402)
            self.assertEqual(json.loads(base64.b64decode(dict(hdrs)["PAYMENT-REQUIRED"]))["error"],
                             "Payment required")
            # a good payment: verified, the handler runs, settlement fails
            sig = vector_header("paid-request.http", "PAYMENT-SIGNATURE")
            status, hdrs, body = srv.get(QUERY, {"PAYMENT-SIGNATURE": sig}, host=VECTOR_HOST)
            vec = vector_json("402-settle-failed.json")
            self.assertEqual(status, vec["status"])
            self.assertEqual([k for k, _ in hdrs], vec["headerNames"])  # no PAYMENT-REQUIRED
            self.assertEqual(json.loads(body), vec["body"])
            self.assertEqual(body, b"{}")
            hdrs = dict(hdrs)
            self.assertEqual(hdrs["Cache-Control"], "no-store")
            # the ETag is that of the discarded token body (9b: 155 bytes, as in the vector)
            failed = [e for e in srv.log() if e["event"] == "settle_failed"]
            self.assertEqual([e["details"] for e in failed], [details])
            lost = failed[0]["discarded_token"]
            token_body = json.dumps({"token": lost, "connect_url": "ws://%s/ws-connect?token=%s"
                                     % (VECTOR_HOST, lost), "expires_in": 60},
                                    separators=(",", ":")).encode()
            digest = base64.b64encode(hashlib.sha1(token_body).digest()).decode()
            self.assertEqual(hdrs["ETag"], 'W/"%x-%s"' % (len(token_body), digest[:27]))
            self.assertTrue(hdrs["ETag"].startswith('W/"9b-'), hdrs["ETag"])
            receipt = json.loads(base64.b64decode(hdrs["PAYMENT-RESPONSE"]))
            expected = dict(vec["decodedHeaders"]["PAYMENT-RESPONSE"])
            expected["errorMessage"] = details
            expected["payer"] = "0x2f5c34fbc99dd9f01ace001cd3c0599843b8a4b3"  # of our payment
            self.assertEqual(list(receipt), list(expected))
            self.assertEqual(receipt, expected)
            self.assertEqual([e for e in srv.log() if e["event"] == "token_request"][-1]["status"],
                             402)
        finally:
            self.assertEqual(srv.stop(), 0)

    def expiry(self, ws, minutes):
        expired = ws.recv_json()
        self.assertEqual(expired["type"], "session_expired")
        self.assertEqual(expired["reason"], "time_limit_reached")
        self.assertEqual(list(expired["finalUsage"]), ["durationMinutes", "dataMB"])
        self.assertAlmostEqual(expired["finalUsage"]["durationMinutes"], minutes, delta=0.003)
        op, payload = ws.recv_frame()
        self.assertEqual((op, close_code(payload)), (8, (1000, "Time limit reached")))
        ws.close(1000)
        self.assertEqual(ws.read_all_until_eof(), b"")

    def test_expire_after_ms(self):
        srv = DevServer("--free", "--expire-after-ms", "600")
        try:
            for _ in range(2):  # every session
                tok = srv.buy()["token"]  # hybrid: 5 minutes bought
                ws = WsClient(srv.port, "/ws-connect?token=" + tok)
                start = ws.recv_json()
                t0 = time.monotonic()
                self.assertEqual(start["limits"]["timeSeconds"], 300)
                ws.send("x")
                self.assertEqual(ws.recv_frame(), (1, b"x"))
                self.expiry(ws, 0.01)  # 600 ms
                self.assertGreater(time.monotonic() - t0, 0.55)
                self.assertLess(time.monotonic() - t0, 5)
        finally:
            self.assertEqual(srv.stop(), 0)

    def test_expire_after_ms_counts_from_a_delayed_session_start(self):
        srv = DevServer("--free", "--start-delay-ms", "500", "--expire-after-ms", "300")
        try:
            tok = srv.buy()["token"]
            t0 = time.monotonic()
            ws = WsClient(srv.port, "/ws-connect?token=" + tok)
            self.assertEqual(ws.recv_json()["type"], "session_start")
            t1 = time.monotonic()
            self.expiry(ws, 0.005)  # 300 ms after session_start, not after the 101
            self.assertGreaterEqual(time.monotonic() - t0, 0.799)
            self.assertGreater(time.monotonic() - t1, 0.25)
        finally:
            self.assertEqual(srv.stop(), 0)

    def test_close_after_start(self):
        srv = DevServer("--free", "--close-after-start", "1011")
        try:
            for _ in range(2):  # every session
                tok = srv.buy()["token"]
                ws = WsClient(srv.port, "/ws-connect?token=" + tok)
                self.assertEqual(ws.recv_json()["type"], "session_start")
                op, payload = ws.recv_frame()
                self.assertEqual((op, close_code(payload)),
                                 (8, (1011, "Closed by --close-after-start")))
                ws.close(1011)
                self.assertEqual(ws.read_all_until_eof(), b"")
            closes = self.events(srv, "close")
            self.assertEqual([(c["code"], c["initiator"]) for c in closes], [(1011, "server")] * 2)
        finally:
            self.assertEqual(srv.stop(), 0)

    def test_bad_mode_values_are_usage_errors(self):
        for args in (["--start-delay-ms", "-1"], ["--start-delay-ms", "soon"],
                     ["--connect-url-port", "0"], ["--connect-url-port", "65536"],
                     ["--expire-after-ms", "-5"], ["--close-after-start", "999"],
                     ["--close-after-start", "5000"], ["--settle-fail"]):
            with self.subTest(args=args):
                bad = subprocess.run([ARGS.server, *args], capture_output=True, text=True)
                self.assertEqual(bad.returncode, 2)
        out = subprocess.run([ARGS.server, "--help"], capture_output=True, text=True).stdout
        for name in ("--start-delay-ms", "--no-session-start", "--refuse-upgrades",
                     "--connect-url-port", "--settle-fail", "--expire-after-ms",
                     "--close-after-start"):
            self.assertIn(name, out)

class Tls(unittest.TestCase):
    def test_https_and_wss(self):
        if not ARGS.gen_cert:
            self.skipTest("no --gen-cert")
        certdir = tempfile.mkdtemp(prefix="cert-", dir=ARGS.workdir)
        subprocess.run([ARGS.gen_cert, certdir], check=True, capture_output=True)
        cert, key = os.path.join(certdir, "cert.pem"), os.path.join(certdir, "key.pem")
        ctx = ssl.create_default_context(cafile=cert)
        srv = DevServer(tls=(cert, key))
        try:
            status, hdrs, _ = srv.get(QUERY, tls_ctx=ctx)
            self.assertEqual(status, 402)
            challenge = json.loads(base64.b64decode(dict(hdrs)["PAYMENT-REQUIRED"]))
            self.assertEqual(challenge["resource"]["url"],
                             "https://localhost:%d%s" % (srv.port, QUERY))
            tok = srv.buy(tls_ctx=ctx)
            self.assertEqual(tok["connect_url"],
                             "wss://localhost:%d/ws-connect?token=%s" % (srv.port, tok["token"]))
            ws = WsClient(srv.port, "/ws-connect?token=" + tok["token"], tls_ctx=ctx)
            self.assertEqual(ws.recv_json()["type"], "session_start")
            big = os.urandom(100000)
            ws.send(big, opcode=2)
            self.assertEqual(ws.recv_frame(), (2, big))
            ws.close(1000)
            self.assertEqual(ws.recv_frame()[0], 8)
        finally:
            self.assertEqual(srv.stop(), 0)


class Concurrency(unittest.TestCase):
    SESSIONS = 1000

    def test_1000_concurrent_sessions(self):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        need = self.SESSIONS + 100
        if hard != resource.RLIM_INFINITY and hard < need:
            self.skipTest("RLIMIT_NOFILE hard limit %d < %d" % (hard, need))
        resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, need), hard))
        srv = DevServer("--free")
        try:
            clients = []
            for _ in range(self.SESSIONS):
                tok = json.loads(srv.get(QUERY)[2])["token"]
                clients.append(WsClient(srv.port, "/ws-connect?token=" + tok))
            for i, ws in enumerate(clients):
                self.assertEqual(ws.recv_json()["type"], "session_start")
                ws.send("s%d" % i)
            for i, ws in enumerate(clients):
                self.assertEqual(ws.recv_frame(), (1, b"s%d" % i))
            opened = [e for e in srv.log() if e["event"] == "upgrade" and e["status"] == 101]
            self.assertEqual(len(opened), self.SESSIONS)
            for ws in clients:
                ws.sock.close()
        finally:
            self.assertEqual(srv.stop(), 0)


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--server", required=True)
    p.add_argument("--gen-cert")
    p.add_argument("--workdir", default=None)
    ARGS, rest = p.parse_known_args()
    if ARGS.workdir:
        os.makedirs(ARGS.workdir, exist_ok=True)
    # sockets a test abandons on purpose would otherwise print ResourceWarnings
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2, warnings="ignore")


if __name__ == "__main__":
    main()

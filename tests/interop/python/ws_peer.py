#!/usr/bin/python3
"""Interop peer on Python's `websockets` (Debian python3-websockets, 10.x).

Run it with Debian's /usr/bin/python3 (the package installs there).
Serves on 127.0.0.1 only, on one port:
  GET /ws?...            (no Upgrade) the token endpoint: 200 JSON whose
                         connect_url is <ws|wss>://<Host>/ws-connect?token=<t>
  GET /ws-connect?token  the WebSocket: echoes every message (text as text,
                         binary as binary); the text command
                         "frag:<n>:<k>:<t|b>" makes it send an n-byte message
                         (pattern below) split by websockets into k fragments.
Pattern of byte i: text chr(97 + i % 26); binary (i * 7 + 3) % 256.
Usage: ws_peer.py [--tls CERT KEY [--tls-version 1.2|1.3] [--send-tls-alerts]]
                  [--session-start] [--log FILE]
  --tls-version    OpenSSL speaks that TLS version only (minimum = maximum)
  --session-start  each WebSocket first gets the service's session_start
                   message (what consensus-ws waits for before `open`)
  --log FILE       one JSON line per accepted TLS connection, token request
                   or WebSocket: {"event":"tls","version":...,"resumed":...}
                   (ssl_object.session_reused)
  --send-tls-alerts  send the alert OpenSSL writes when a handshake fails
                   (e.g. protocol_version), as blocking ssl sockets do; asyncio
                   up to now drops it and just closes (CPython gh-98078)
Prints "READY <port>"; stops on stdin EOF or SIGTERM, then, with --tls, prints
"tls handshakes: N full, M resumed (...)" on stderr.
"""

import asyncio
import asyncio.sslproto
import http
import json
import signal
import ssl
import sys
import threading
import uuid

import websockets
import websockets.server

TOKENS = set()
HANDSHAKES = {"full": 0, "resumed": 0, "versions": {}}
OPTS = {"tls": None, "version": None, "session_start": False, "log": None, "alerts": False}


def pattern(n, text):
    if text:
        return "".join(chr(97 + i % 26) for i in range(n))
    return bytes((i * 7 + 3) % 256 for i in range(n))


def pieces(data, k):
    step = max(1, -(-len(data) // k))
    out = [data[i:i + step] for i in range(0, len(data), step)]
    return out or [data]


def session_start():
    return json.dumps({"type": "session_start", "sessionId": str(uuid.uuid4()),
                       "model": "hybrid", "served_by": "ws_peer.py",
                       "limits": {"timeSeconds": 300, "dataMB": 50}})


async def session(ws, path):
    try:
        if OPTS["session_start"]:
            await ws.send(session_start())
        await serve_messages(ws)
    except websockets.ConnectionClosed:
        pass  # e.g. the client refused a message over its maximum (1009)


async def serve_messages(ws):
    async for msg in ws:
        if isinstance(msg, str) and msg.startswith("frag:"):
            _, n, k, kind = msg.split(":")
            data = pattern(int(n), kind == "t")
            await ws.send(pieces(data, int(k)))  # an iterable: one fragmented message
        else:
            await ws.send(msg)


def make_process_request(scheme):
    async def process_request(path, headers):
        if path.startswith("/ws-connect"):
            token = path.partition("token=")[2]
            if token not in TOKENS:
                return http.HTTPStatus.UNAUTHORIZED, [], b""
            TOKENS.discard(token)  # single use, like the real service
            return None
        if path.startswith("/ws"):
            token = uuid.uuid4().hex
            TOKENS.add(token)
            body = json.dumps({"token": token, "expires_in": 60,
                               "connect_url": "%s://%s/ws-connect?token=%s"
                               % (scheme, headers.get("Host"), token)}).encode()
            return http.HTTPStatus.OK, [("Content-Type", "application/json"),
                                        ("Connection", "close")], body
        return http.HTTPStatus.NOT_FOUND, [], b""
    return process_request


def record_tls(transport):
    tls = transport.get_extra_info("ssl_object")
    if tls is None:
        return
    version, resumed = tls.version(), tls.session_reused
    HANDSHAKES["resumed" if resumed else "full"] += 1
    HANDSHAKES["versions"][version] = HANDSHAKES["versions"].get(version, 0) + 1
    if OPTS["log"]:
        with open(OPTS["log"], "a") as f:
            f.write(json.dumps({"event": "tls", "version": version, "resumed": resumed}) + "\n")


class Protocol(websockets.server.WebSocketServerProtocol):
    # asyncio calls it once the TLS handshake is done, for every connection.
    def connection_made(self, transport):
        record_tls(transport)
        super().connection_made(transport)


def send_handshake_alerts():
    # asyncio's SSLProtocol meets a failed handshake with a forced close and
    # leaves what OpenSSL wrote for the peer (the fatal alert) in its outgoing
    # MemoryBIO (gh-98078; Debian bookworm's Python 3.11). Flush it first.
    original = asyncio.sslproto.SSLProtocol._on_handshake_complete

    def on_handshake_complete(self, exc):
        if exc is not None and self._transport is not None:
            self._process_outgoing()
        original(self, exc)
    asyncio.sslproto.SSLProtocol._on_handshake_complete = on_handshake_complete


def usage():
    sys.stderr.write("usage: ws_peer.py [--tls CERT KEY [--tls-version 1.2|1.3] "
                     "[--send-tls-alerts]] [--session-start] [--log FILE]\n")
    sys.exit(2)


def parse_args(args):
    versions = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}
    while args:
        a = args.pop(0)
        if a == "--tls" and len(args) >= 2:
            OPTS["tls"] = (args.pop(0), args.pop(0))
        elif a == "--tls-version" and args and args[0] in versions:
            OPTS["version"] = versions[args.pop(0)]
        elif a == "--send-tls-alerts":
            OPTS["alerts"] = True
        elif a == "--session-start":
            OPTS["session_start"] = True
        elif a == "--log" and args:
            OPTS["log"] = args.pop(0)
        else:
            usage()
    if (OPTS["version"] is not None or OPTS["alerts"]) and OPTS["tls"] is None:
        usage()
    if OPTS["alerts"]:
        send_handshake_alerts()


async def main():
    parse_args(sys.argv[1:])
    ctx = None
    if OPTS["tls"]:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(*OPTS["tls"])
        if OPTS["version"] is not None:
            ctx.minimum_version = ctx.maximum_version = OPTS["version"]
    scheme = "wss" if ctx else "ws"
    server = await websockets.serve(session, "127.0.0.1", 0, ssl=ctx,
                                    process_request=make_process_request(scheme),
                                    create_protocol=Protocol,
                                    max_size=None, compression=None)
    port = server.sockets[0].getsockname()[1]
    print("READY %d" % port, flush=True)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)

    def wait_stdin():  # until the parent closes stdin
        sys.stdin.read()
        loop.call_soon_threadsafe(stop.set)
    threading.Thread(target=wait_stdin, daemon=True).start()
    await stop.wait()
    server.close()
    if ctx is not None:
        versions = ", ".join("%s: %d" % kv for kv in HANDSHAKES["versions"].items())
        sys.stderr.write("tls handshakes: %d full, %d resumed (%s)\n"
                         % (HANDSHAKES["full"], HANDSHAKES["resumed"], versions or "none"))


if __name__ == "__main__":
    asyncio.run(main())

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
Usage: ws_peer.py [--tls CERT KEY]; prints "READY <port>"; stops on stdin EOF.
"""

import asyncio
import http
import json
import ssl
import sys
import uuid

import websockets

TOKENS = set()


def pattern(n, text):
    if text:
        return "".join(chr(97 + i % 26) for i in range(n))
    return bytes((i * 7 + 3) % 256 for i in range(n))


def pieces(data, k):
    step = max(1, -(-len(data) // k))
    out = [data[i:i + step] for i in range(0, len(data), step)]
    return out or [data]


async def session(ws, path):
    try:
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


async def main():
    ctx = None
    if len(sys.argv) == 4 and sys.argv[1] == "--tls":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[2], sys.argv[3])
    scheme = "wss" if ctx else "ws"
    server = await websockets.serve(session, "127.0.0.1", 0, ssl=ctx,
                                    process_request=make_process_request(scheme),
                                    max_size=None, compression=None)
    port = server.sockets[0].getsockname()[1]
    print("READY %d" % port, flush=True)
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, sys.stdin.read)  # until the parent closes stdin
    server.close()


if __name__ == "__main__":
    asyncio.run(main())

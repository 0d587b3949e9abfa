#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""An HTTP CONNECT proxy for the tests, on loopback, with ways to misbehave.

usage: connect_proxy.py [--auth USER:PASS] [--answer MODE] [--after N] [--log FILE]

Prints "READY <port>" once listening. Each CONNECT is logged as one line,
"CONNECT <host:port> auth=<ok|none|bad>", to --log. With --auth, a request
without the right Basic credentials gets 407 (and the connection closes).
--answer says what the proxy does with CONNECTs (after the first --after of
them, which it tunnels): ok (200, then bytes both ways), 403, close (closes
without an answer), long-header (a 200 whose header line is 100,000 bytes),
junk (bytes after the 200). It tunnels to loopback only.
"""
import argparse
import asyncio
import base64
import sys

MAX_HEAD = 16 * 1024


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--auth")
    p.add_argument("--answer", default="ok",
                   choices=["ok", "403", "close", "long-header", "junk"])
    p.add_argument("--after", type=int, default=0)
    p.add_argument("--log")
    return p.parse_args()


ARGS = parse_args()
SEEN = 0


def log(line):
    if ARGS.log:
        with open(ARGS.log, "a") as f:
            f.write(line + "\n")


def auth_state(headers):
    got = headers.get("proxy-authorization")
    if got is None:
        return "none"
    want = "Basic " + base64.b64encode(ARGS.auth.encode()).decode() if ARGS.auth else None
    return "ok" if got == want else "bad"


async def pipe(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


async def handle(reader, writer):
    global SEEN
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        writer.close()
        return
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    auth = auth_state(headers)
    target = parts[1] if len(parts) == 3 and parts[0] == "CONNECT" else "?"
    log("CONNECT %s auth=%s" % (target, auth))
    SEEN += 1
    if target == "?":
        writer.write(b"HTTP/1.1 400 Bad Request\r\n\r\n")
        writer.close()
        return
    if ARGS.auth and auth != "ok":
        writer.write(b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                     b"Proxy-Authenticate: Basic realm=\"tests\"\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()
        return
    mode = ARGS.answer if SEEN > ARGS.after else "ok"
    if mode == "403":
        writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 9\r\n\r\nforbidden")
        await writer.drain()
        writer.close()
        return
    if mode == "close":
        writer.close()
        return
    if mode == "long-header":
        writer.write(b"HTTP/1.1 200 OK\r\nX-Long: " + b"a" * 100000 + b"\r\n\r\n")
        await writer.drain()
        writer.close()
        return
    host, _, port = target.rpartition(":")
    host = host.strip("[]")
    if host not in ("127.0.0.1", "::1", "localhost"):
        writer.write(b"HTTP/1.1 403 Forbidden\r\n\r\n")
        writer.close()
        return
    try:
        up_reader, up_writer = await asyncio.open_connection(host, int(port))
    except OSError:
        writer.write(b"HTTP/1.1 502 Bad Gateway\r\n\r\n")
        writer.close()
        return
    # One write: the junk comes in the same segment as the 200.
    writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n" + (b"junk" if mode == "junk" else b""))
    await writer.drain()
    await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0, limit=MAX_HEAD)
    port = server.sockets[0].getsockname()[1]
    print("READY %d" % port, flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)

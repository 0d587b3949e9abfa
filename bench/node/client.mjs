// node-ws: the Node.js peer on the `ws` package (bench/node/package.json).
// Same contract as the C++ clients: one JSON line, every echo checked (length,
// first and last byte), timing and CPU over the message phase only.
//   node client.mjs --url ws://HOST:PORT/PATH --size B --count N --mode pingpong|stream
//                   [--window W] [--conns K] [--ca FILE | --insecure]
import fs from 'node:fs';
import { WebSocket } from 'ws';

function usage(msg) {
  process.stderr.write(`node-ws: ${msg}\nusage: client.mjs --url ws://HOST:PORT/PATH ` +
    '--size B --count N --mode pingpong|stream [--window W] [--conns K] [--ca FILE | --insecure]\n');
  process.exit(2);
}

function parseArgs(argv) {
  const a = { window: 64, conns: 1, ca: null, insecure: false };
  const ints = { '--size': 'size', '--count': 'count', '--window': 'window', '--conns': 'conns' };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    if (k === '--insecure') { a.insecure = true; continue; }
    const v = argv[++i];
    if (v === undefined) usage(`missing value for ${k}`);
    if (k in ints) {
      if (!/^[0-9]+$/.test(v) || Number(v) < 1) usage(`bad ${k}`);
      a[ints[k]] = Number(v);
    } else if (k === '--url') a.url = v;
    else if (k === '--mode') a.mode = v;
    else if (k === '--ca') a.ca = v;
    else usage(`unknown option ${k}`);
  }
  if (!a.url || !/^wss?:\/\//.test(a.url) || !a.size || !a.count ||
      (a.mode !== 'pingpong' && a.mode !== 'stream') || (a.ca && a.insecure) ||
      a.conns > a.count || a.size > (16 << 20)) usage('bad arguments');
  if (a.mode === 'pingpong') a.window = 1;
  a.tls = a.url.startsWith('wss://');
  return a;
}

// Same pattern as bench/common/bench_common.h.
const firstByte = (seq) => (seq * 31 + 7) & 0xff;
const lastByte = (seq) => ((Math.floor(seq / 8)) ^ 0xa5 ^ seq) & 0xff;

// VmRSS is statm's resident count already in kB (no page size to guess in JS).
function rssKb() {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : -1;
}

const cpuSeconds = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };

const args = parseArgs(process.argv.slice(2));
const rssStart = rssKb();
const msg = Buffer.alloc(args.size);
for (let i = 0; i < args.size; i++) msg[i] = 97 + (i % 26);
const opts = { perMessageDeflate: false };
if (args.tls) {
  if (args.insecure) opts.rejectUnauthorized = false;
  else if (args.ca) opts.ca = fs.readFileSync(args.ca);
}

const conns = [];
let established = 0, done = 0, t0 = 0n, cpu0 = 0, rssConnected = 0;

function fail(why) {
  process.stderr.write(`node-ws: ${why}\n`);
  process.exit(1);
}

function pump(c) {
  while (c.sent < c.quota && c.sent - c.received < args.window) {
    // ws masks into a fresh buffer inside send(), so re-stamping msg is safe.
    msg[0] = firstByte(c.sent);
    msg[args.size - 1] = lastByte(c.sent);
    c.sent++;
    c.ws.send(msg, { binary: true });
  }
}

function onMessage(c, data) {
  const len = data.length;
  const seq = c.received;
  if (len !== args.size || data[len - 1] !== lastByte(seq) ||
      (len > 1 && data[0] !== firstByte(seq))) fail(`bad echo ${seq}`);
  c.received++;
  if (++done === args.count) finish();
  else pump(c);
}

function finish() {
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = cpuSeconds() - cpu0;
  const msgs = args.count / seconds;
  process.stdout.write(JSON.stringify({
    client: 'node-ws', mode: args.mode, size: args.size, count: args.count, conns: args.conns,
    window: args.window, tls: args.tls, seconds, msgs_per_s: msgs,
    mb_per_s: msgs * args.size / 1e6, cpu_s: cpu, rss_kb_start: rssStart,
    rss_kb_connected: rssConnected,
  }) + '\n', () => process.exit(0));
}

function start() {
  rssConnected = rssKb();
  cpu0 = cpuSeconds();
  t0 = process.hrtime.bigint();
  for (const c of conns) pump(c);
}

const per = Math.floor(args.count / args.conns), extra = args.count % args.conns;
for (let i = 0; i < args.conns; i++) {
  const c = { quota: per + (i < extra ? 1 : 0), sent: 0, received: 0, ws: null };
  c.ws = new WebSocket(args.url, opts);
  c.ws.binaryType = 'nodebuffer';
  c.ws.on('open', () => { if (++established === args.conns) start(); });
  c.ws.on('message', (data) => onMessage(c, data));
  c.ws.on('error', (e) => fail(e.message));
  c.ws.on('close', () => { if (done < args.count) fail('connection closed early'); });
  conns.push(c);
}

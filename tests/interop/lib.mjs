// Helpers shared by the interop scripts: spawning a server that prints
// `READY <port>`, running a command with a deadline, throwaway TLS material,
// reading JSON-lines logs. Loopback only.
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const HERE = path.dirname(fileURLToPath(import.meta.url));

// A failed check: the message says what was expected and what was seen.
export class CheckFailed extends Error {}

export function check(condition, message) {
  if (!condition) throw new CheckFailed(message);
}

// `node X.mjs` for scripts, the file itself for binaries.
export function commandFor(file, args) {
  return file.endsWith(".mjs") || file.endsWith(".js")
    ? [process.execPath, [file, ...args]]
    : [file, args];
}

// Spawns a server and resolves with { port, proc, stderr(), stop() } once it
// printed `READY <port>`. Rejects when it exits first or stays silent.
// keepStdin: its stdin is a pipe left open (for a server that stops at EOF).
export function spawnServer(file, args, { timeoutMs = 15000, keepStdin = false } = {}) {
  const [cmd, argv] = commandFor(file, args);
  const proc = spawn(cmd, argv, { stdio: [keepStdin ? "pipe" : "ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  proc.stderr.on("data", (d) => (err += d));
  const stop = () =>
    new Promise((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      const killer = setTimeout(() => proc.kill("SIGKILL"), 3000);
      proc.once("exit", () => {
        clearTimeout(killer);
        resolve();
      });
      proc.kill("SIGTERM");
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new CheckFailed(`${file} did not print READY <port> within ${timeoutMs} ms; stderr: ${err.trim()}`));
    }, timeoutMs);
    proc.on("error", (e) => {
      clearTimeout(timer);
      reject(new CheckFailed(`cannot start ${file}: ${e.message}`));
    });
    proc.on("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new CheckFailed(`${file} ${args.join(" ")} exited (${code ?? signal}) before READY; stderr: ${err.trim()}`));
    });
    proc.stdout.on("data", (d) => {
      out += d;
      const m = /^READY (\d+)\s*$/m.exec(out);
      if (m) {
        clearTimeout(timer);
        proc.removeAllListeners("exit");
        resolve({ port: Number(m[1]), proc, stderr: () => err, stop });
      }
    });
  });
}

// Runs a command to completion (stdin closed unless given) within a deadline.
// Resolves with { code, signal, stdout, stderr, timedOut }.
export function run(cmd, args, { timeoutMs = 30000, input = "", env = process.env } = {}) {
  return new Promise((resolve) => {
    const proc = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"], env });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    proc.stdout.on("data", (d) => (stdout += d));
    proc.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      timedOut = true;
      proc.kill("SIGKILL");
    }, timeoutMs);
    proc.on("error", (e) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, stdout, stderr: stderr + e.message, timedOut });
    });
    proc.on("exit", (code, signal) => {
      clearTimeout(timer);
      // Let the pipes drain before resolving.
      setImmediate(() => resolve({ code, signal, stdout, stderr, timedOut }));
    });
    proc.stdin.on("error", () => {}); // the child may exit without reading
    proc.stdin.end(input);
  });
}

export function tempDir(prefix) {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

// A throwaway self-signed certificate for DNS:localhost only (the tests connect
// by that name). Returns { cert, key } paths.
export function makeSelfSignedCert(dir) {
  const cert = path.join(dir, "cert.pem");
  const key = path.join(dir, "key.pem");
  execFileSync(
    "openssl",
    [
      "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
      "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
      "-addext", "subjectAltName=DNS:localhost",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  return { cert, key };
}

// Parses a JSON-lines file; a missing file is an empty log.
export function readJsonLines(file) {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => l.trim().length > 0)
    .map((l) => JSON.parse(l));
}

// Parses every stdout line that is a JSON object; other lines are reported.
export function jsonLines(text) {
  const objects = [];
  const other = [];
  for (const line of text.split("\n")) {
    if (line.trim().length === 0) continue;
    try {
      const v = JSON.parse(line);
      if (v && typeof v === "object" && !Array.isArray(v)) objects.push(v);
      else other.push(line);
    } catch {
      other.push(line);
    }
  }
  return { objects, other };
}

export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

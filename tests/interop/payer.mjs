#!/usr/bin/env node
// Payment hook for `consensus-ws --payer`: reads the decoded 402 challenge
// (PaymentRequired JSON, v2) on stdin, prints the PAYMENT-SIGNATURE value on
// stdout. The payload and its encoding come from the real @x402 client SDK
// (x402Client.createPaymentPayload, encodePaymentSignatureHeader) with the test
// signer. Also accepts the raw base64 header value on stdin. Exit 1 on failure.
import { decodePaymentRequiredHeader, encodePaymentSignatureHeader } from "@x402/core/http";
import { makeTestClient } from "./test-signer.mjs";

function fail(message) {
  process.stderr.write(`payer.mjs: ${message}\n`);
  process.exit(1);
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8").trim();
}

async function main() {
  const input = await readStdin();
  if (input.length === 0) fail("no challenge on stdin");
  let challenge;
  try {
    challenge = input.startsWith("{") ? JSON.parse(input) : decodePaymentRequiredHeader(input);
  } catch (err) {
    fail(`stdin is neither challenge JSON nor a PAYMENT-REQUIRED value: ${err.message}`);
  }
  const payload = await makeTestClient().createPaymentPayload(challenge);
  process.stdout.write(encodePaymentSignatureHeader(payload) + "\n");
}

main().catch((err) => fail(err.message || String(err)));

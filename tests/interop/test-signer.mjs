// The test payer shared by payer.mjs and check-devserver.mjs: a real x402 v2
// client (x402Client + the EVM exact scheme) signing with a viem local account.
// The key is a throwaway derived from a fixed phrase: it holds nothing, on any
// chain, and must never be funded. Nothing here touches a network.
import crypto from "node:crypto";
import { x402Client } from "@x402/core/client";
import { registerExactEvmScheme } from "@x402/evm/exact/client";
import { privateKeyToAccount } from "viem/accounts";

export const TEST_PRIVATE_KEY =
  "0x" + crypto.createHash("sha256").update("consensus-ws interop throwaway test key").digest("hex");

export const testAccount = privateKeyToAccount(TEST_PRIVATE_KEY);

// A fresh client each call: the SDK keeps per-client hooks and state.
export function makeTestClient() {
  const client = new x402Client();
  registerExactEvmScheme(client, { signer: testAccount });
  return client;
}

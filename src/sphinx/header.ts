/**
 * Sphinx header construction and processing (nymtech/sphinx header/, routing/, filler.rs).
 *
 *   header = alpha (32) || gamma (16) || beta (300)
 *
 * beta for hop i, before encryption with hop i's AES-128-CTR keystream (zero IV):
 *   forward: 0x01 || version (3) || next address (32) || delay ns (u64 BE, 8) || next gamma (16)
 *            || first 240 bytes of the next hop's beta
 *   final:   0x02 || version (3) || destination (32) || SURB id (16) || random padding || filler
 * gamma_i = HMAC-SHA256(mac key_i, beta_i)[0..16].
 *
 * The filler makes the final hop's beta look right after every hop shifted 60 bytes in:
 * for hops j = 0..n-2 it XORs the tail of hop j's 360-byte keystream into a string growing by
 * 60 zero bytes per step.
 */
import type { CryptoBackend } from '../crypto/index.js';
import {
  DELAY_LENGTH,
  FINAL_META_INFO_LENGTH,
  GROUP_ELEMENT_LENGTH,
  HEADER_LENGTH,
  MAC_LENGTH,
  NODE_ADDRESS_LENGTH,
  ROUTING_INFO_LENGTH,
  ROUTING_STEP_LENGTH,
  STREAM_CIPHER_OUTPUT_LENGTH,
} from './geometry.js';
import {
  MAC_KEY_LENGTH,
  MAC_KEY_OFFSET,
  STREAM_KEY_LENGTH,
  STREAM_KEY_OFFSET,
  type SphinxVersion,
} from './keys.js';

export const FORWARD_HOP = 1;
export const FINAL_HOP = 2;

const ALPHA_OFFSET = 0;
const GAMMA_OFFSET = GROUP_ELEMENT_LENGTH;
const BETA_OFFSET = GROUP_ELEMENT_LENGTH + MAC_LENGTH;

export function streamKey(expanded: Uint8Array): Uint8Array {
  return expanded.subarray(STREAM_KEY_OFFSET, STREAM_KEY_OFFSET + STREAM_KEY_LENGTH);
}

export function macKey(expanded: Uint8Array): Uint8Array {
  return expanded.subarray(MAC_KEY_OFFSET, MAC_KEY_OFFSET + MAC_KEY_LENGTH);
}

export function writeVersion(out: Uint8Array, at: number, version: number): void {
  out[at] = 0;
  out[at + 1] = version >> 8;
  out[at + 2] = version & 0xff;
}

export function writeDelay(out: Uint8Array, at: number, delayNs: bigint): void {
  let v = BigInt.asUintN(64, delayNs);
  for (let i = DELAY_LENGTH - 1; i >= 0; i--) {
    out[at + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

export function readDelay(b: Uint8Array, at: number): bigint {
  let v = 0n;
  for (let i = 0; i < DELAY_LENGTH; i++) v = (v << 8n) | BigInt(b[at + i]);
  return v;
}

function computeMac(backend: CryptoBackend, expanded: Uint8Array, beta: Uint8Array): Uint8Array {
  return backend.hmacSha256(macKey(expanded), beta).subarray(0, MAC_LENGTH);
}

/** Filler of 60 * (n - 1) bytes for a route of n hops. */
export function computeFiller(backend: CryptoBackend, keystreams: Uint8Array[], hops: number): Uint8Array {
  const filler = new Uint8Array(ROUTING_STEP_LENGTH * (hops - 1));
  for (let i = 1; i < hops; i++) {
    // after step i the filler is 60*i bytes; XOR it with the last 60*i keystream bytes of hop i-1
    const ks = keystreams[i - 1];
    const len = ROUTING_STEP_LENGTH * i;
    const from = STREAM_CIPHER_OUTPUT_LENGTH - len;
    for (let j = 0; j < len; j++) filler[j] ^= ks[from + j];
  }
  return filler;
}

export interface HeaderInput {
  alpha: Uint8Array;
  expanded: Uint8Array[];
  /** Addresses of hops 0..n-1 (hop 0's address is not written into the header). */
  addresses: Uint8Array[];
  /** Delay of hops 0..n-2 (what each forward hop holds the packet for). */
  delaysNs: bigint[];
  destinationAddress: Uint8Array;
  surbId: Uint8Array;
  version: SphinxVersion;
  /** 300 - 60 * (n - 1) - 52 random bytes padding the final hop's routing information. */
  finalPadding: Uint8Array;
}

/** Build a 348-byte header. */
export function buildHeader(backend: CryptoBackend, input: HeaderInput): Uint8Array {
  const n = input.expanded.length;
  const keystreams = input.expanded.map((e) =>
    backend.aes128CtrKeystream(streamKey(e), STREAM_CIPHER_OUTPUT_LENGTH),
  );
  const filler = computeFiller(backend, keystreams, n);

  // final hop
  const finalLen = ROUTING_INFO_LENGTH - filler.length;
  let beta = new Uint8Array(ROUTING_INFO_LENGTH);
  beta[0] = FINAL_HOP;
  writeVersion(beta, 1, input.version);
  beta.set(input.destinationAddress, 4);
  beta.set(input.surbId, 4 + NODE_ADDRESS_LENGTH);
  beta.set(input.finalPadding, FINAL_META_INFO_LENGTH);
  const ksLast = keystreams[n - 1];
  for (let j = 0; j < finalLen; j++) beta[j] ^= ksLast[j];
  beta.set(filler, finalLen);
  let gamma = computeMac(backend, input.expanded[n - 1], beta);

  // forward hops, inside out
  for (let i = n - 2; i >= 0; i--) {
    const next = new Uint8Array(ROUTING_INFO_LENGTH);
    next[0] = FORWARD_HOP;
    writeVersion(next, 1, input.version);
    next.set(input.addresses[i + 1], 4);
    writeDelay(next, 4 + NODE_ADDRESS_LENGTH, input.delaysNs[i]);
    next.set(gamma, 4 + NODE_ADDRESS_LENGTH + DELAY_LENGTH);
    next.set(beta.subarray(0, ROUTING_INFO_LENGTH - ROUTING_STEP_LENGTH), ROUTING_STEP_LENGTH);
    const ks = keystreams[i];
    for (let j = 0; j < ROUTING_INFO_LENGTH; j++) next[j] ^= ks[j];
    beta = next;
    gamma = computeMac(backend, input.expanded[i], beta);
  }

  const header = new Uint8Array(HEADER_LENGTH);
  header.set(input.alpha, ALPHA_OFFSET);
  header.set(gamma, GAMMA_OFFSET);
  header.set(beta, BETA_OFFSET);
  return header;
}

/** Split a header (view into a packet) into its parts without copying. */
export function headerParts(header: Uint8Array): { alpha: Uint8Array; gamma: Uint8Array; beta: Uint8Array } {
  return {
    alpha: header.subarray(ALPHA_OFFSET, GAMMA_OFFSET),
    gamma: header.subarray(GAMMA_OFFSET, BETA_OFFSET),
    beta: header.subarray(BETA_OFFSET, HEADER_LENGTH),
  };
}

/** Check gamma against beta with the hop's MAC key (constant time). */
export function verifyMac(
  backend: CryptoBackend,
  expanded: Uint8Array,
  gamma: Uint8Array,
  beta: Uint8Array,
): boolean {
  return backend.equalConstantTime(computeMac(backend, expanded, beta), gamma);
}

/** beta || 0^60 decrypted with the hop's keystream: 360 bytes, this hop's block first. */
export function decryptRoutingInfo(
  backend: CryptoBackend,
  expanded: Uint8Array,
  beta: Uint8Array,
): Uint8Array {
  const out = backend.aes128CtrKeystream(streamKey(expanded), STREAM_CIPHER_OUTPUT_LENGTH);
  for (let j = 0; j < ROUTING_INFO_LENGTH; j++) out[j] ^= beta[j];
  return out;
}

/**
 * The client's keys: an Ed25519 identity, an X25519 encryption key, the key that encrypts
 * its SURB-ack ids, and what it shares with its gateway after registration. Persisted by a
 * `KeyStore` (a JSON file in the client's home in Node, memory in tests and browsers).
 */
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { base58 } from '@scure/base';
import { CorruptStateError } from './errors.js';
import type { RandomBytes } from './crypto.js';
import { makeRecipient, type Recipient } from './address.js';

export interface ClientKeys {
  readonly identitySecret: Uint8Array;
  readonly identityPublic: Uint8Array;
  readonly encryptionSecret: Uint8Array;
  readonly encryptionPublic: Uint8Array;
  readonly ackKey: Uint8Array;
}

/** What a registration with a gateway leaves behind. */
export interface GatewayRegistration {
  /** base58 identity of the gateway */
  readonly gatewayIdentity: string;
  readonly sharedKey: Uint8Array;
  /** ws(s) URL used last time */
  readonly url: string;
}

export interface StoredState {
  readonly keys: ClientKeys;
  readonly gateway?: GatewayRegistration;
}

export interface KeyStore {
  load(): Promise<StoredState | undefined>;
  save(state: StoredState): Promise<void>;
}

export function generateKeys(rng: RandomBytes): ClientKeys {
  const identitySecret = rng(32);
  const encryptionSecret = rng(32);
  return {
    identitySecret,
    identityPublic: ed25519.getPublicKey(identitySecret),
    encryptionSecret,
    encryptionPublic: x25519.getPublicKey(encryptionSecret),
    ackKey: rng(16),
  };
}

export function addressOf(keys: ClientKeys, gatewayIdentity: Uint8Array): Recipient {
  return makeRecipient(keys.identityPublic, keys.encryptionPublic, gatewayIdentity);
}

/** JSON form of the stored state (base58 fields), for files and IndexedDB alike. */
export function stateToJson(s: StoredState): Record<string, unknown> {
  return {
    version: 1,
    identitySecret: base58.encode(s.keys.identitySecret),
    encryptionSecret: base58.encode(s.keys.encryptionSecret),
    ackKey: base58.encode(s.keys.ackKey),
    gateway: s.gateway
      ? {
          identity: s.gateway.gatewayIdentity,
          sharedKey: base58.encode(s.gateway.sharedKey),
          url: s.gateway.url,
        }
      : null,
  };
}

export function stateFromJson(j: unknown, where: string): StoredState {
  const bad = (why: string) => new CorruptStateError(where, why);
  if (typeof j !== 'object' || j === null) throw bad('not an object');
  const o = j as Record<string, unknown>;
  const b58 = (v: unknown, name: string, len: number): Uint8Array => {
    if (typeof v !== 'string') throw bad(`${name} missing`);
    let b: Uint8Array;
    try {
      b = base58.decode(v);
    } catch {
      throw bad(`${name} is not base58`);
    }
    if (b.length !== len) throw bad(`${name} must be ${len} bytes`);
    return b;
  };
  const identitySecret = b58(o.identitySecret, 'identitySecret', 32);
  const encryptionSecret = b58(o.encryptionSecret, 'encryptionSecret', 32);
  const keys: ClientKeys = {
    identitySecret,
    identityPublic: ed25519.getPublicKey(identitySecret),
    encryptionSecret,
    encryptionPublic: x25519.getPublicKey(encryptionSecret),
    ackKey: b58(o.ackKey, 'ackKey', 16),
  };
  let gateway: GatewayRegistration | undefined;
  if (o.gateway !== null && o.gateway !== undefined) {
    const g = o.gateway as Record<string, unknown>;
    if (typeof g.identity !== 'string' || typeof g.url !== 'string') throw bad('gateway entry malformed');
    gateway = {
      gatewayIdentity: g.identity,
      url: g.url,
      sharedKey: b58(g.sharedKey, 'gateway.sharedKey', 32),
    };
  }
  return { keys, gateway };
}

export class MemoryKeyStore implements KeyStore {
  private state: StoredState | undefined;
  constructor(initial?: StoredState) {
    this.state = initial;
  }
  async load(): Promise<StoredState | undefined> {
    return this.state;
  }
  async save(state: StoredState): Promise<void> {
    this.state = state;
  }
}

/**
 * What every client session of a gateway shares (Nym's CommonHandlerState and
 * ActiveClientsStore, gateway/src/node/client_handling/): the gateway's identity, the
 * store, who is registered and who is connected, the bandwidth policy, the credential
 * check, the way into the mixnet, and the limits. `createGateway` builds one; unit tests
 * build one around an in-memory store.
 */
import type { Logger } from 'pino';
import type { CredentialVerifier, SpendLedger } from './credentials.js';
import type { GatewayMetrics } from './metrics.js';
import { OutOfBandwidthError, type Aead, type IdentityKeys, type RandomBytes } from './protocol/index.js';
import type { GatewayStore, StoredMessage } from './store.js';

/** Nym's FREE_TESTNET_BANDWIDTH_VALUE (credential-verification/src/bandwidth_storage_manager.rs): 64 GiB. */
export const FREE_TESTNET_BANDWIDTH = 64 * 1024 * 1024 * 1024;

export interface SessionLimits {
  /** Nym's INITIAL_MESSAGE_TIMEOUT (10 s): first request of a connection. */
  readonly initialMessageTimeoutMs: number;
  /** Each registration handshake step (Nym: 5 s). */
  readonly handshakeTimeoutMs: number;
  /** authenticateV2 timestamp skew (Nym: 120 s). */
  readonly authMaxSkewMs: number;
  /** A connected client asked whether it is alive answers a ping within this (Nym: 1 s). */
  readonly pingTimeoutMs: number;
  /** Stored messages pushed per batch (Nym: 100). */
  readonly inboxBatch: number;
  /** Largest websocket message read (larger ones are refused). */
  readonly maxMessageBytes: number;
}

/** The sessions of connected clients, by identity (hex), and the identities registered here. */
export interface ConnectedClient {
  readonly sessionTimestampSeconds: number;
  /** Pings the client: 'active' when it answers in time (Nym's IsActive). */
  isActive(): Promise<'active' | 'notActive' | 'busy'>;
  /** A newer connection takes over: flush and close. */
  replace(): void;
  close(code: number, reason: string): void;
  flushBandwidth(): void;
  /** Live delivery to a client without receipts (written, not stored). */
  push(message: Uint8Array): void;
  /** The client asked for delivery receipts: its messages are stored before they are pushed. */
  readonly receiptsOn: boolean;
  /**
   * A message for a receipt client was stored (its SURB-ack sent): pushed now if the session
   * can take it, else left to the drain (delivery.ts, authenticated.ts).
   */
  stored(m: StoredMessage): void;
  /**
   * True while new messages go to the store rather than to the socket: while stored ones are
   * being pushed (new ones queue behind them), and until the client has proven on this
   * connection that it holds the shared key (authenticated.ts).
   */
  readonly holdsLive: boolean;
}

export class ClientRegistry {
  private readonly connected = new Map<string, ConnectedClient>();
  private readonly registered = new Set<string>();

  static id(identity: Uint8Array): string {
    return Buffer.from(identity.buffer, identity.byteOffset, identity.length).toString('hex');
  }

  get size(): number {
    return this.connected.size;
  }
  isRegistered(id: string): boolean {
    return this.registered.has(id);
  }
  markRegistered(id: string): void {
    this.registered.add(id);
  }
  forget(id: string): void {
    this.registered.delete(id);
  }
  get(id: string): ConnectedClient | undefined {
    return this.connected.get(id);
  }
  set(id: string, c: ConnectedClient): void {
    this.connected.set(id, c);
  }
  /** Removes `c` if it is still the session registered for `id`. */
  remove(id: string, c: ConnectedClient): void {
    if (this.connected.get(id) === c) this.connected.delete(id);
  }
  all(): ConnectedClient[] {
    return [...this.connected.values()];
  }
}

export interface CredentialCheck {
  readonly verifier: CredentialVerifier;
  readonly ledger?: SpendLedger;
}

export interface GatewayContext {
  readonly identity: IdentityKeys;
  readonly store: GatewayStore;
  readonly clients: ClientRegistry;
  /** Grants `claimFreeTestnetBandwidth` (Nym's gateway does unless `enforce_zk_nyms`). */
  readonly freeBandwidth: boolean;
  /** Coconut credentials; absent: this gateway accepts none. */
  readonly credentials?: CredentialCheck;
  /** Sends a Sphinx packet to the node at a 32-byte Sphinx node address. */
  forward(nextHop: Uint8Array, packet: Uint8Array, keyRotation?: number): boolean;
  readonly random: RandomBytes;
  readonly now: () => number;
  readonly aead: Aead;
  readonly metrics: GatewayMetrics;
  readonly limits: SessionLimits;
  readonly logger: Logger;
}

/**
 * A connected client's balance, kept in memory and written back (Nym's ClientBandwidth
 * with its flushing): every second by the gateway, on disconnect, and with each spend.
 */
export class ClientBandwidth {
  private dirty = false;
  constructor(
    private readonly store: GatewayStore,
    private readonly identity: Uint8Array,
    private value: number,
  ) {}

  get available(): number {
    return this.value;
  }

  /** Charges `bytes` (Nym's `try_use_bandwidth`); returns what is left. */
  use(bytes: number): number {
    if (this.value < bytes) throw new OutOfBandwidthError(this.value, bytes);
    this.value -= bytes;
    this.dirty = true;
    return this.value;
  }

  /** Credits `bytes`; returns the new total (capped at the largest safe integer). */
  add(bytes: number): number {
    this.value = Math.min(Number.MAX_SAFE_INTEGER, this.value + bytes);
    this.dirty = true;
    return this.value;
  }

  /** The balance was written by someone else (a credential spend records it). */
  markStored(): void {
    this.dirty = false;
  }

  flush(): void {
    if (!this.dirty) return;
    this.store.setBandwidth(this.identity, this.value);
    this.dirty = false;
  }
}

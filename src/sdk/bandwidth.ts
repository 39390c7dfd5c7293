/**
 * What an SDK client knows of its bandwidth at its gateway, read from the gateway's own
 * text frames on the client's socket (Nym's gateway-requests ServerResponse: `authenticate`,
 * `bandwidth`, `send` carry the bytes left; `typedError` outOfBandwidth says it ran out;
 * a refused `claimFreeTestnetBandwidth` is an `error` naming coconut credentials, see
 * src/gateway/protocol/errors.ts `free_bandwidth_disabled`). Nothing here sends.
 *
 * "No way to get bandwidth": the gateway said it is out, and the client has no credential
 * source (or its last credential attempt failed) and the gateway refused free bandwidth.
 * The SDK client, in a page or in Node, then fails sends with `NoBandwidthError` instead
 * of waiting or retrying for ever (client.ts). No Node-only imports: pages carry it.
 */
import { ClientError } from '../client/errors.js';
import type { CredentialSource } from '../client/gateway-link.js';
import type { WebSocketFactory } from '../client/transport.js';
import { errorCodeOfMessage, parseGatewayResponse } from '../gateway/protocol/index.js';

/** Sending is impossible: no bandwidth at the gateway and no way to get more. */
export class NoBandwidthError extends ClientError {
  override readonly code = 'no_bandwidth';
  constructor(
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`no bandwidth at the gateway and no way to get it: ${reason}`, options);
  }
}

export class BandwidthWatch {
  /** Bytes the gateway will still forward, as it last said (undefined before it said). */
  available: number | undefined;
  /** The gateway said it is out of bandwidth, and has granted none since. */
  exhausted = false;
  freeRefused = false;
  /** The last credential attempt failed (cleared when one succeeds). */
  credentialError: unknown;
  private readonly listeners = new Set<() => void>();

  /**
   * The least bandwidth one packet takes: a client with credentials stops sending below it
   * (so the gateway never says it is out) and waits for a top-up.
   */
  needBytes = 0;

  constructor(readonly hasCredentials: boolean) {}

  /** Why sending cannot go on, or undefined while it can. */
  get blocked(): string | undefined {
    const starved = this.exhausted || (this.available ?? 0) < this.needBytes;
    if (this.hasCredentials && this.credentialError !== undefined && starved)
      return `the credential source failed: ${(this.credentialError as Error)?.message ?? String(this.credentialError)}`;
    if (!this.exhausted) return undefined;
    if (!this.hasCredentials && this.freeRefused)
      return 'the gateway gives no free bandwidth and no credential source was given';
    return undefined;
  }

  onChange(l: () => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** A text frame from the gateway. */
  observe(text: string): void {
    let m;
    try {
      m = parseGatewayResponse(text);
    } catch {
      return;
    }
    switch (m.type) {
      case 'authenticate':
        this.grant(m.bandwidthRemaining);
        break;
      case 'bandwidth':
        this.grant(m.availableTotal);
        break;
      case 'send':
        this.available = m.remainingBandwidth;
        break;
      case 'typedError':
        if (m.error.kind !== 'outOfBandwidth') return;
        this.available = m.error.available;
        this.exhausted = true;
        break;
      case 'error':
        if (errorCodeOfMessage(m.message) !== 'free_bandwidth_disabled') return;
        this.freeRefused = true;
        break;
      default:
        return;
    }
    for (const l of this.listeners) l();
  }

  private grant(total: number): void {
    this.available = total;
    if (total > 0) this.exhausted = false;
  }

  /** The factory's sockets, each watched. */
  watch(factory: WebSocketFactory): WebSocketFactory {
    return (url) => {
      const ws = factory(url);
      ws.addEventListener('message', (ev: { data: unknown }) => {
        if (typeof ev.data === 'string') this.observe(ev.data);
      });
      return ws;
    };
  }

  /** The source, with its failures and successes noted. */
  credentials(source: CredentialSource): CredentialSource {
    return {
      next: async (keys, signal) => {
        try {
          const c = await source.next(keys, signal);
          this.credentialError = undefined;
          return c;
        } catch (e) {
          this.credentialError = e;
          for (const l of this.listeners) l();
          throw e;
        }
      },
    };
  }
}

/**
 * The mixnet reorders messages: a connection's first Send may reach the requester before
 * its Connect. The requester holds such Sends for `unknownGraceMs` and hands them to the
 * connection when its Connect comes, whoever the client is:
 *
 * - a Connect with a return address and plain Sends (Nym's mix-fetch: wasm/mix-fetch
 *   client.rs sends both with `InputMessage::new_regular`), the case that once lost the
 *   request and left mix-fetch "awaiting headers" (test/browser/pages.test.ts under load);
 * - a Connect and Sends under one sender tag (Nym's and Nymph's anonymous SOCKS clients).
 *
 * Sends from anyone else are still dropped as `foreign_sender`, before and after the Connect.
 *
 * The requester is the real one, with a real allow list on disk, and it connects to a real
 * HTTP server on 127.0.0.1; only the mixnet is an in-memory twin of the client core's port.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  NetworkRequester,
  RequestFilter,
  type InboundMessage,
  type MixnetPort,
} from '../../src/requester/index.js';
import {
  OrderedMessageBuffer,
  decodeProviderResponse,
  encodeSocks5ProviderRequest,
  type Recipient,
  type Socks5RequestContent,
} from '../../src/socks5/protocol/index.js';
import { client, gatewayIdentity } from '../nymsphinx/helpers.js';

const V3 = { interface: 3, protocol: 3 } as const;
const REQUEST = new TextEncoder().encode('GET / HTTP/1.0\r\nHost: localhost\r\n\r\n');

/** The client core's port, in memory: what the requester sends is kept by return path. */
class MemoryPort implements MixnetPort {
  readonly queueLength = 0;
  private readonly listeners = new Set<(m: InboundMessage) => void>();
  readonly toAddress: { recipient: Recipient; message: Uint8Array }[] = [];
  readonly toTag: { tag: Uint8Array; message: Uint8Array }[] = [];

  onMessage(l: (m: InboundMessage) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  send(recipient: Recipient, message: Uint8Array): Promise<void> {
    this.toAddress.push({ recipient, message });
    return Promise.resolve();
  }
  reply(tag: Uint8Array, message: Uint8Array): Promise<void> {
    this.toTag.push({ tag, message });
    return Promise.resolve();
  }
  deliver(c: Socks5RequestContent, senderTag?: Uint8Array): void {
    const message = encodeSocks5ProviderRequest(V3, c);
    for (const l of this.listeners) l({ message, senderTag, kind: senderTag ? 'repliable' : 'plain' });
  }
}

/** The stream of connection `id` in what the requester sent, reordered, once it closed. */
async function streamOf(sent: () => Uint8Array[], id: bigint, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const buf = new OrderedMessageBuffer();
    let closedAt: bigint | undefined;
    let text = '';
    for (const m of sent()) {
      const r = decodeProviderResponse(m);
      if (r.content.kind !== 'providerData') continue;
      const c = r.content.response.content;
      if (c.kind === 'connectionError' && c.connectionId === id) throw new Error(c.message);
      if (c.kind !== 'networkData' || c.data.connectionId !== id) continue;
      buf.write(c.data.seq, c.data.data);
      if (c.data.localClosed) closedAt = c.data.seq;
      for (let got = buf.read(); got; got = buf.read()) text += new TextDecoder().decode(got.data);
    }
    if (closedAt !== undefined && buf.nextSequence > closedAt) return text;
    if (Date.now() > deadline) throw new Error(`connection ${id}: no complete stream in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('the requester: Sends that arrive before their Connect', () => {
  let dir: string;
  let site: Server;
  let port: MemoryPort;
  let filter: RequestFilter;
  let requester: NetworkRequester;
  let remote = '';

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nymph-requester-reorder-'));
    writeFileSync(join(dir, 'allowed.list'), '127.0.0.1\n');
    site = createServer((_req, res) => res.end('served through the requester'));
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', () => r()));
    remote = `127.0.0.1:${(site.address() as AddressInfo).port}`;
    port = new MemoryPort();
    filter = new RequestFilter({
      allowedListPath: join(dir, 'allowed.list'),
      unknownListPath: join(dir, 'unknown.list'),
      openProxy: false,
      reloadMs: 60_000,
      standardListUrl: '',
      standardListRefreshMs: 0,
      maxUnknownEntries: 100,
      log: { info() {}, warn() {}, debug() {}, error() {} },
    });
    requester = new NetworkRequester({
      port,
      filter,
      chunkBytes: 30_000,
      windowBytes: 1 << 20,
      maxBufferedBytes: 1 << 20,
      connectTimeoutMs: 5_000,
      halfCloseMs: 5_000,
      maxConnectionsPerSender: 8,
      maxConnections: 64,
      idleTimeoutMs: 60_000,
      unknownGraceMs: 5_000,
      maxResends: 0,
      description: 'test requester',
      binaryInfo: {} as never,
    });
  });

  afterEach(async () => {
    requester.stop();
    filter.close();
    site.closeAllConnections();
    await new Promise<void>((r) => site.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  const send = (id: bigint, localClosed = true) =>
    ({ kind: 'send', data: { connectionId: id, seq: 0n, localClosed, data: REQUEST } }) as const;

  it("mix-fetch's order reversed: a plain Send, then a Connect with a return address", async () => {
    const returnAddress = client(gatewayIdentity()).recipient;
    port.deliver(send(7n));
    port.deliver({ kind: 'connect', connectionId: 7n, remoteAddress: remote, returnAddress });
    const text = await streamOf(() => port.toAddress.map((m) => m.message), 7n);
    expect(text).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(text).toContain('served through the requester');
    expect(requester.drops.counts).not.toHaveProperty('foreign_sender');
  });

  it('an anonymous client reversed: a tagged Send, then a tagged Connect', async () => {
    const tag = new Uint8Array(16).fill(3);
    port.deliver(send(8n), tag);
    port.deliver({ kind: 'connect', connectionId: 8n, remoteAddress: remote }, tag);
    const text = await streamOf(() => port.toTag.map((m) => m.message), 8n);
    expect(text).toContain('served through the requester');
    expect(requester.drops.counts).not.toHaveProperty('foreign_sender');
  });

  it("another sender's early Send does not join the connection: a counted foreign_sender drop", async () => {
    const returnAddress = client(gatewayIdentity()).recipient;
    // tagged Send first, then a Connect with a return address: the tag owns no such connection
    port.deliver(send(9n, false), new Uint8Array(16).fill(5));
    port.deliver({ kind: 'connect', connectionId: 9n, remoteAddress: remote, returnAddress });
    await new Promise((r) => setTimeout(r, 200));
    expect(requester.drops.counts.foreign_sender).toBe(1);
    // the owner's own Send still goes through
    port.deliver(send(9n));
    const text = await streamOf(() => port.toAddress.map((m) => m.message), 9n);
    expect(text).toContain('served through the requester');
  });
});

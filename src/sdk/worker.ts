/**
 * The SDK client inside a dedicated Web Worker: Sphinx packets, cover traffic, acks and
 * retransmissions run on the worker's thread, so the page's main thread only exchanges
 * messages with it (./worker-client.ts). Load this file's bundle as a module worker.
 */
import { connect, InvalidStateError, NotConnectedError, type BrowserMixnetClient } from './browser.js';
import { toWire, type WorkerEvent, type WorkerRequest } from './worker-protocol.js';

interface WorkerScope {
  postMessage(m: WorkerEvent): void;
  addEventListener(type: 'message', l: (ev: { data: WorkerRequest }) => void): void;
}

const scope = globalThis as unknown as WorkerScope;
let client: BrowserMixnetClient | undefined;

async function run(r: WorkerRequest): Promise<unknown> {
  switch (r.op) {
    case 'connect': {
      if (client) throw new InvalidStateError('connect', 'connected');
      let backend = { kind: 'wasm' as 'wasm' | 'pure', name: '' };
      client = await connect({
        nymApi: r.opts.nymApi,
        storage: r.opts.storage,
        gateway: r.opts.gateway,
        config: r.opts.config,
        onBackend: (kind, name) => (backend = { kind, name }),
      });
      client.onMessage((m) =>
        scope.postMessage({ event: 'message', message: m.message, senderTag: m.senderTagString }),
      );
      client.onNoBandwidth((e) => scope.postMessage({ event: 'noBandwidth', error: toWire(e) }));
      scope.postMessage({
        event: 'connected',
        address: client.address,
        backend: backend.kind,
        backendName: backend.name,
      });
      return client.address;
    }
    case 'send':
      return need().send(r.recipient, r.message);
    case 'sendAnonymous':
      return need().sendAnonymous(r.recipient, r.message, { replySurbs: r.replySurbs });
    case 'reply':
      return need().reply(r.senderTag, r.message);
    case 'idle':
      return need().setIdle(r.idle);
    case 'disconnect': {
      const c = client;
      client = undefined;
      return c?.disconnect();
    }
  }
}

function need(): BrowserMixnetClient {
  if (!client) throw new NotConnectedError('new');
  return client;
}

scope.addEventListener('message', (ev) => {
  const r = ev.data;
  run(r).then(
    (value) =>
      scope.postMessage({ id: r.id, ok: true, value: typeof value === 'string' ? value : undefined }),
    (e: unknown) => scope.postMessage({ id: r.id, ok: false, error: toWire(e) }),
  );
});

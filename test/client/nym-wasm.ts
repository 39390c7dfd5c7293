/**
 * Nym's own published wasm client (`@nymproject/nym-client-wasm-node` 1.4.1, unmodified) in
 * Node, for tests and benchmarks against a Nymph network: `ws` as the global WebSocket (with
 * a browser's event dispatch) and IndexedDB from `fake-indexeddb`.
 */
import 'fake-indexeddb/auto';
import { createRequire } from 'node:module';
import { base58 } from '@scure/base';
import WebSocket from 'ws';

/**
 * `ws` with a browser's event dispatch: an exception thrown by a listener is reported and
 * dispatch goes on. wasm-bindgen's close listener throws once the client has dropped its
 * closure ("closure invoked recursively or after being dropped"), which a browser only logs.
 */
export class BrowserLikeWebSocket extends WebSocket {
  private readonly wrapped = new Map<unknown, (ev: unknown) => void>();
  override addEventListener(type: string, listener: unknown, options?: unknown): void {
    if (typeof listener !== 'function') return;
    const w = (ev: unknown) => {
      try {
        (listener as (ev: unknown) => void).call(this, ev);
      } catch {
        // as a browser: reported, not rethrown
      }
    };
    this.wrapped.set(listener, w);
    super.addEventListener(type as 'close', w, options as undefined);
  }
  override removeEventListener(type: string, listener: unknown): void {
    const w = this.wrapped.get(listener);
    if (w) super.removeEventListener(type as 'close', w);
  }
}

/** The parts of the wasm client's API used here (its typings use unexported tsify types). */
export interface NymWasmClient {
  selfAddress(): string;
  send_regular_message(message: Uint8Array, recipient: string): Promise<unknown>;
  send_anonymous_message(message: Uint8Array, recipient: string, replySurbs: number): Promise<unknown>;
  send_reply(message: Uint8Array, senderTag: string): Promise<unknown>;
  free(): void;
}

/** What the wasm client hands its `on_message` callback: the bytes and the sender tag, if any. */
export interface NymWasmMessage {
  readonly bytes: Uint8Array;
  readonly senderTag?: string;
}

interface NymWasm {
  NymClient: new (
    onMessage: (bytes: Uint8Array, senderTag?: { __wbg_ptr: number }) => void,
    opts: Record<string, unknown>,
  ) => Promise<NymWasmClient>;
  __wasm: { memory: WebAssembly.Memory };
}

/**
 * The 1.4.1 wasm client hands `on_message` its sender tag as an opaque `AnonymousSenderTag`
 * object (wasm/client/src/response_pusher.rs: `JsValue::from(tag)`) with no accessor, while
 * `send_reply` takes the tag as a base58 string. The object points at wasm-bindgen's
 * `WasmRefCell<AnonymousSenderTag>` in the module's memory: a 4-byte borrow flag, then the
 * tag's 16 bytes. Read them there, as a Nym app could, and give the base58 form.
 */
function senderTagString(wasm: NymWasm, tag: { __wbg_ptr: number }): string {
  const at = tag.__wbg_ptr + 4;
  return base58.encode(new Uint8Array(wasm.__wasm.memory.buffer.slice(at, at + 16)));
}

let loaded: NymWasm | undefined;
function nym(): NymWasm {
  (globalThis as { WebSocket?: unknown }).WebSocket = BrowserLikeWebSocket;
  loaded ??= createRequire(import.meta.url)('@nymproject/nym-client-wasm-node') as NymWasm;
  return loaded;
}

/** Is the gateway listed where the 1.4.1 wasm client looks for gateways (nym-api's skimmed routes)? */
export async function waitUntilListed(apiUrl: string, gatewayIdentity: string, timeoutMs = 10_000) {
  const url = `${apiUrl}/v2/unstable/nym-nodes/skimmed/entry-gateways?page=0`;
  const t0 = Date.now();
  for (;;) {
    const r = await fetch(url);
    if (r.ok) {
      const body = (await r.json()) as { nodes: { data: { ed25519_identity_pubkey: string }[] } };
      if (body.nodes.data.some((n) => n.ed25519_identity_pubkey === gatewayIdentity)) return;
    }
    if (Date.now() - t0 > timeoutMs) throw new Error(`nym-api at ${apiUrl} does not list ${gatewayIdentity}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

export interface WasmClientHandle {
  readonly client: NymWasmClient;
  readonly address: string;
  readonly inbox: NymWasmMessage[];
  /** The next message (waits up to `timeoutMs`). */
  next(timeoutMs?: number): Promise<NymWasmMessage>;
  free(): void;
}

/**
 * A Nym wasm client on the network of `apiUrl`. Mix delays off (the Nymph side runs in
 * `localnet` mode too) and a 5 s ack allowance for a loaded test machine; the rest is Nym's
 * default client (Poisson stream, loop cover, reply SURB handling).
 */
export async function startWasmClient(
  apiUrl: string,
  id: string,
  overrides: Record<string, unknown> = {},
): Promise<WasmClientHandle> {
  const inbox: NymWasmMessage[] = [];
  let wake: (() => void) | undefined;
  const log = console.log;
  console.log = () => {}; // the wasm client logs every packet
  let client: NymWasmClient;
  try {
    client = await new (nym().NymClient)(
      (bytes, senderTag) => {
        inbox.push(
          senderTag === undefined || senderTag === null
            ? { bytes }
            : { bytes, senderTag: senderTagString(nym(), senderTag) },
        );
        wake?.();
      },
      {
        clientId: `${id}-${Date.now()}`,
        nymApiUrl: apiUrl,
        clientOverride: {
          traffic: { averagePacketDelayMs: 0, messageSendingAverageDelayMs: 2 },
          acknowledgements: { averageAckDelayMs: 0, ackWaitAdditionMs: 5_000 },
          coverTraffic: { loopCoverTrafficAverageDelayMs: 200 },
          topology: { minimumMixnodePerformance: 0, minimumGatewayPerformance: 0 },
          ...overrides,
        },
      },
    );
  } finally {
    console.log = log;
  }
  const next = async (timeoutMs = 30_000) => {
    const t0 = Date.now();
    while (!inbox.length) {
      if (Date.now() - t0 > timeoutMs) throw new Error('wasm client: no message');
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 50);
      });
    }
    return inbox.shift()!;
  };
  return {
    client,
    address: client.selfAddress(),
    inbox,
    next,
    free: () => client.free(),
  };
}

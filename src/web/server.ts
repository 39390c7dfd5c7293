/**
 * The web pages of a local network, on one HTTP origin beside nym-api: the chat page
 * (`/chat/`), the network explorer (`/explorer/`), their scripts (bundled on first use),
 * `/network.json` (the endpoints a page needs) and `/explorer/state.json` (metrics the
 * explorer cannot read cross-origin, see network-state.ts). nym-api lists this origin in
 * `http.cors_allowed_origins`, so the pages read it directly.
 *
 * Pages get a Content-Security-Policy that allows WebAssembly (`wasm-unsafe-eval`, for the
 * wasm crypto backend) but no `eval` and no inline script.
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { bundlePageScripts, PAGE_SCRIPTS, type ScriptPath } from './bundle.js';
import { NetworkStateSource, type WebNetwork } from './network-state.js';

export type { WebNetwork, WebNode } from './network-state.js';

export interface WebServerOptions {
  readonly host: string;
  /** 0: any free port. */
  readonly port: number;
  /** The network to show; undefined while it is still starting (pages then wait). */
  readonly network: () => WebNetwork | undefined;
  /** Minify the bundles (default true). */
  readonly minify?: boolean;
}

export interface RunningWebServer {
  /** `http://host:port` (the origin nym-api must allow). */
  readonly origin: string;
  readonly chatUrl: string;
  readonly explorerUrl: string;
  close(): Promise<void>;
}

const STATIC: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/chat/': { file: 'chat/index.html', type: 'text/html; charset=utf-8' },
  '/explorer/': { file: 'explorer/index.html', type: 'text/html; charset=utf-8' },
  '/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};

const CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self' http: https: ws: wss:",
].join('; ');

const readPage = (file: string) => readFileSync(fileURLToPath(new URL(file, import.meta.url)));

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    'Content-Security-Policy': CSP,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(body);
}

const json = (res: ServerResponse, status: number, body: unknown) =>
  send(res, status, 'application/json', JSON.stringify(body));

export async function startWebServer(o: WebServerOptions): Promise<RunningWebServer> {
  let scripts: Promise<Map<ScriptPath, string>> | undefined;
  const bundles = () => {
    scripts ??= bundlePageScripts(o.minify ?? true);
    scripts.catch(() => (scripts = undefined)); // a failed build is tried again on the next request
    return scripts;
  };
  const state = new NetworkStateSource(o.network);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD')
      return json(res, 405, { code: 'method_not_allowed', message: `${req.method} is not served here` });
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const page = STATIC[path === '/chat' || path === '/explorer' ? `${path}/` : path];
    if (page) return send(res, 200, page.type, readPage(page.file));
    if (path in PAGE_SCRIPTS) {
      const code = (await bundles()).get(path as ScriptPath)!;
      return send(res, 200, 'text/javascript; charset=utf-8', code);
    }
    if (path === '/network.json') {
      const net = o.network();
      if (!net) return json(res, 503, { code: 'starting', message: 'the network is still starting' });
      return json(res, 200, net);
    }
    if (path === '/explorer/state.json') {
      const s = await state.current();
      if (!s) return json(res, 503, { code: 'starting', message: 'the network is still starting' });
      return json(res, 200, s);
    }
    return json(res, 404, { code: 'not_found', message: `no page at ${path}` });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) json(res, 500, { code: 'internal', message: (e as Error).message });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = o.host.includes(':') ? `[${o.host}]` : o.host;
  const origin = `http://${host}:${port}`;
  return {
    origin,
    chatUrl: `${origin}/chat/`,
    explorerUrl: `${origin}/explorer/`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** localnet.json's view of the network, as the pages need it. */
export function webNetworkOf(
  info: {
    nym_apis: string[];
    chain: { rpc: string };
    coconut: { threshold: number };
    mixnodes: { name: string; identity_key: string; metrics: string | null }[];
    gateways: { name: string; identity_key: string; metrics: string | null }[];
    clients: { name: string; websocket: string; address: string }[];
  },
  mode: string,
): WebNetwork {
  return {
    nymApis: info.nym_apis,
    chainRpc: info.chain.rpc,
    threshold: info.coconut.threshold,
    mode,
    nodes: [
      ...info.mixnodes.map((n) => ({
        name: n.name,
        identityKey: n.identity_key,
        kind: 'mixnode' as const,
        metrics: n.metrics,
      })),
      ...info.gateways.map((n) => ({
        name: n.name,
        identityKey: n.identity_key,
        kind: 'gateway' as const,
        metrics: n.metrics,
      })),
    ],
    clients: info.clients.map((c) => ({ name: c.name, websocket: c.websocket, address: c.address })),
  };
}

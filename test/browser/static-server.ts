/**
 * A static file server on 127.0.0.1 for pages the tests build (the Vite app, Nym's SDK
 * pages): files under one directory, by path, with their content types. Bound before the
 * localnet starts, so its origin can be let in by nym-api and the gateways.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.map': 'application/json',
};

export interface StaticServer {
  readonly origin: string;
  /** Serve files from `dir` under `prefix` (e.g. '/vite/'). */
  mount(prefix: string, dir: string): void;
  close(): Promise<void>;
}

export async function startStaticServer(): Promise<StaticServer> {
  const mounts = new Map<string, string>();
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    // the longest prefix first: '/' serves what no other mount does
    for (const [prefix, dir] of [...mounts].sort((a, b) => b[0].length - a[0].length)) {
      if (!path.startsWith(prefix)) continue;
      let file = normalize(join(dir, path.slice(prefix.length)));
      if (!file.startsWith(dir)) break;
      if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
      if (!existsSync(file)) break;
      const body = readFileSync(file);
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' });
      res.end(body);
      return;
    }
    res.writeHead(404).end('not found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    mount: (prefix, dir) => mounts.set(prefix, normalize(dir)),
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/**
 * What the SOCKS tests use around the roles: a local HTTP server with deterministic
 * downloads and checksummed uploads, curl through a SOCKS proxy, raw SOCKS handshakes, and
 * an app of Nym's native websocket API that sends raw bytes (to speak the socks5 protocol
 * to the requester itself).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect as netConnect, type AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { parseRecipient } from '../../src/client/address.js';
import { decodeBinaryResponse, encodeBinaryRequest } from '../../src/client/ws-api/codec.js';

export const CURL = '/usr/bin/curl';

/** `size` bytes of a stream fixed by `seed` (xorshift32), so both ends can checksum it. */
export function patternBytes(size: number, seed: number, offset = 0): Buffer {
  const out = Buffer.allocUnsafe(size);
  let x = (seed * 2654435761) >>> 0 || 1;
  // skip to `offset` (blocks of 4 bytes)
  for (let i = 0; i < offset >> 2; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
  }
  for (let i = 0; i < size; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
    if (i + 1 < size) out[i + 1] = (x >>> 8) & 0xff;
    if (i + 2 < size) out[i + 2] = (x >>> 16) & 0xff;
    if (i + 3 < size) out[i + 3] = x >>> 24;
  }
  return out;
}

export const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

export interface TestHttpServer {
  readonly port: number;
  /** Connections the server has accepted. */
  readonly accepted: number;
  /** Bytes the latest /fast response has handed to its socket so far. */
  readonly fastBytes: number;
  close(): Promise<void>;
}

/**
 * GET  /hello                      a short text
 * GET  /download?size=N&seed=S      N pattern bytes, Content-Length set
 * GET  /slow?chunk=N&every=MS      pattern bytes, N every MS ms, until the client goes away
 * GET  /fast?total=N                bytes as fast as the socket takes them (`fastBytes` counts)
 * POST /upload                     the body's sha256 and length, as JSON
 */
export async function startHttpServer(host = '::'): Promise<TestHttpServer> {
  let accepted = 0;
  let fastBytes = 0;
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/hello') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('hello through the mixnet\n');
    } else if (url.pathname === '/download') {
      const size = Number(url.searchParams.get('size') ?? 0);
      const seed = Number(url.searchParams.get('seed') ?? 1);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size });
      const body = patternBytes(size, seed);
      res.end(body);
    } else if (url.pathname === '/slow') {
      const chunk = Number(url.searchParams.get('chunk') ?? 16_384);
      const every = Number(url.searchParams.get('every') ?? 50);
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const t = setInterval(() => res.write(patternBytes(chunk, 7)), every);
      res.on('close', () => clearInterval(t));
    } else if (url.pathname === '/fast') {
      // as fast as the socket takes it (with backpressure), up to `total` bytes
      const total = Number(url.searchParams.get('total') ?? 100_000_000);
      const chunk = patternBytes(65_536, 9);
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      fastBytes = 0;
      const pump = () => {
        while (fastBytes < total && !res.destroyed) {
          fastBytes += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        if (!res.destroyed) res.end();
      };
      pump();
    } else if (url.pathname === '/upload' && req.method === 'POST') {
      const h = createHash('sha256');
      let n = 0;
      req.on('data', (c: Buffer) => {
        h.update(c);
        n += c.length;
      });
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ sha256: h.digest('hex'), length: n }));
      });
    } else {
      res.writeHead(404);
      res.end();
    }
  };
  const server: Server = createServer(handle);
  server.on('connection', () => accepted++);
  await new Promise<void>((r) => server.listen({ host, port: 0, ipv6Only: false }, () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    get accepted() {
      return accepted;
    },
    get fastBytes() {
      return fastBytes;
    },
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

export interface CurlResult {
  code: number | null;
  body: Buffer;
  stderr: string;
  ms: number;
}

/** curl with `args`; the body as bytes, the exit code, how long it took. */
export function curl(args: string[], opts: { input?: Buffer; timeoutMs?: number } = {}): Promise<CurlResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(CURL, ['--silent', '--show-error', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    const timer = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    p.stdout.on('data', (d: Buffer) => out.push(d));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, body: Buffer.concat(out), stderr: err, ms: performance.now() - t0 });
    });
    if (opts.input) p.stdin.end(opts.input);
    else p.stdin.end();
  });
}

/** Writes `bytes` to a SOCKS server and resolves with what it answers until it closes or `want` bytes. */
export function rawSocks(
  port: number,
  chunks: Uint8Array[],
  want = 1 << 20,
  timeoutMs = 15_000,
): Promise<{ bytes: Buffer; closed: boolean; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const s = netConnect({ host: '127.0.0.1', port });
    const got: Buffer[] = [];
    let n = 0;
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      resolve({ bytes: Buffer.concat(got), closed, ms: performance.now() - t0 });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    s.on('connect', () => {
      for (const c of chunks) s.write(c);
    });
    s.on('data', (d: Buffer) => {
      got.push(d);
      n += d.length;
      if (n >= want) finish(false);
    });
    s.on('close', () => finish(true));
    s.on('error', (e) => (done ? undefined : reject(e)));
  });
}

/** SOCKS5: greeting, then CONNECT to a domain. */
export function socks5ConnectDomain(host: string, port: number): Uint8Array[] {
  const name = new TextEncoder().encode(host);
  return [Uint8Array.of(5, 1, 0), Uint8Array.of(5, 1, 0, 3, name.length, ...name, port >> 8, port & 0xff)];
}

/** An app of the native websocket API in binary mode: raw bytes out, raw bytes and sender tags in. */
export class BinaryWsApp {
  private readonly queue: { message: Uint8Array; senderTag?: Uint8Array }[] = [];
  private readonly waiters: ((m: { message: Uint8Array; senderTag?: Uint8Array }) => void)[] = [];

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) return;
      const r = decodeBinaryResponse(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      if (r.type !== 'received') return;
      const m = { message: r.message, senderTag: r.senderTag };
      const w = this.waiters.shift();
      if (w) w(m);
      else this.queue.push(m);
    });
  }

  static async connect(url: string): Promise<BinaryWsApp> {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return new BinaryWsApp(ws);
  }

  sendAnonymous(recipient: string, message: Uint8Array, replySurbs: number): void {
    this.ws.send(
      encodeBinaryRequest({
        type: 'sendAnonymous',
        recipient: parseRecipient(recipient),
        message,
        replySurbs,
      }),
    );
  }

  next(timeoutMs = 15_000): Promise<{ message: Uint8Array; senderTag?: Uint8Array }> {
    const q = this.queue.shift();
    if (q) return Promise.resolve(q);
    return new Promise((resolve, reject) => {
      const w = (m: { message: Uint8Array; senderTag?: Uint8Array }) => {
        clearTimeout(t);
        resolve(m);
      };
      const t = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error(`no message within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  close(): void {
    this.ws.close();
  }
}

export interface RoleProcess {
  readonly pid: number;
  readonly ready: Record<string, unknown>;
  /** SIGTERM, and wait for the process to exit. */
  stop(): Promise<void>;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Stops a process by pid (SIGTERM, then SIGKILL after `graceMs`) and waits for it to be gone. */
export async function stopPid(pid: number, graceMs = 10_000): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const t0 = Date.now();
  while (alive(pid)) {
    if (Date.now() - t0 > graceMs) process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * `nymph <command> run --home HOME ...args` as its own process (logs appended to
 * `logFile`); resolves with its ready event.
 */
export async function runRoleProcess(
  command: string,
  home: string,
  args: string[],
  logFile: string,
  timeoutMs = 90_000,
  nodeArgs: string[] = [],
): Promise<RoleProcess> {
  const { NYMPH_BIN } = await import('../../localnet/network/supervisor.js');
  const { openSync, closeSync } = await import('node:fs');
  const fd = openSync(logFile, 'a');
  const p = spawn(process.execPath, [...nodeArgs, NYMPH_BIN, command, 'run', '--home', home, ...args], {
    stdio: ['ignore', 'pipe', fd],
    env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'info' },
  });
  closeSync(fd);
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`${command} run: not ready within ${timeoutMs} ms (log: ${logFile})`));
    }, timeoutMs);
    p.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{') && l.includes('"event"'));
      if (!line) return;
      clearTimeout(timer);
      resolve(JSON.parse(line) as Record<string, unknown>);
    });
    p.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command} run exited with ${code} before it was ready (log: ${logFile})`));
    });
  });
  p.removeAllListeners('exit');
  return { pid: p.pid!, ready, stop: () => stopPid(p.pid!) };
}

/**
 * A SOCKS5 CONNECT to a domain; resolves with the reply code and the socket (open when the
 * code is 0), anything after the reply left unread.
 */
export function openSocks5(
  proxyPort: number,
  host: string,
  port: number,
  timeoutMs = 30_000,
): Promise<{ code: number; socket: import('node:net').Socket; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const s = netConnect({ host: '127.0.0.1', port: proxyPort });
    let got = Buffer.alloc(0);
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error('no SOCKS reply'));
    }, timeoutMs);
    s.on('connect', () => {
      for (const c of socks5ConnectDomain(host, port)) s.write(c);
    });
    const onData = (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.length < 4) return;
      clearTimeout(timer);
      s.off('data', onData);
      s.pause();
      resolve({ code: got[3], socket: s, ms: performance.now() - t0 });
    };
    s.on('data', onData);
    s.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

/** Shared set-up for the nym-api integration tests: a localnet chain and n nym-api instances. */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256 } from '@noble/hashes/sha2.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { base58 } from '@scure/base';
import { pino } from 'pino';
import { startChain } from '../../localnet/index.js';
import type { RunningChain } from '../../localnet/index.js';
import type { Gateway, MixNode, MixNodeCostParams } from '../../src/contracts/index.js';
import { connectSigningClients, identityKeyFromSecret } from '../../src/chain/index.js';
import type { SigningClients } from '../../src/chain/index.js';
import { loadBackend, secureRandom } from '../../src/coconut/index.js';
import {
  createNymApi,
  defaultConfig,
  generateKeyShares,
  keyShareToJson,
  writeKeyShares,
  keyFileName,
  writeConfig,
} from '../../src/api/index.js';
import type { ApiConfig, NymApi } from '../../src/api/index.js';

const enc = new TextEncoder();
export const secret = (label: string): Uint8Array => sha256(enc.encode(label));
export const PLEDGE = { denom: 'unym', amount: '100000000' };
export const COSTS: MixNodeCostParams = {
  profit_margin_percent: '0.1',
  interval_operating_cost: { denom: 'unym', amount: '40000000' },
};

export function mixNode(label: string, port: number): MixNode {
  return {
    host: '127.0.0.1',
    mix_port: port,
    verloc_port: port + 1,
    http_api_port: port + 2,
    sphinx_key: base58.encode(x25519.getPublicKey(secret(`sphinx-${label}`))),
    identity_key: identityKeyFromSecret(secret(label)),
    version: '0.1.0',
  };
}

export function gateway(label: string, port: number): Gateway {
  return {
    host: 'localhost',
    mix_port: port,
    clients_port: port + 1,
    location: 'loopback',
    sphinx_key: base58.encode(x25519.getPublicKey(secret(`sphinx-${label}`))),
    identity_key: identityKeyFromSecret(secret(label)),
    version: '0.1.0',
  };
}

/** A nym-api instance running as its own process (`nymph api run`), to freeze and kill. */
export interface ApiProcess {
  /** Share index (1-based), as in the instance's key file. */
  index: number;
  url: string;
  child: ChildProcess;
  /** SIGSTOP: the kernel still accepts connections and requests; nothing is answered. */
  freeze(): void;
  /** SIGCONT. */
  thaw(): void;
}

export interface Net {
  dir: string;
  chain: RunningChain;
  /** The in-process instances, in index order (those run as processes are left out). */
  apis: NymApi[];
  /** The instances given in `processes`. */
  processes: ApiProcess[];
  /** Every instance's URL, in index order. */
  urls(): string[];
  configs: ApiConfig[];
  signer(i: number): Promise<SigningClients>;
  close(): Promise<void>;
}

/** A chain plus `count` nym-api instances sharing a (t, count) key from a trusted dealer. */
export async function startNet(opts: {
  count: number;
  threshold: number;
  refreshIntervalMs?: number;
  accounts?: number;
  maxBodyBytes?: number;
  /** Instances (1-based) to run as `nymph api run` processes instead of in-process. */
  processes?: number[];
}): Promise<Net> {
  const dir = mkdtempSync(join(tmpdir(), 'nymph-api-it-'));
  const signers: SigningClients[] = [];
  const apis: NymApi[] = [];
  const processes: ApiProcess[] = [];
  const urlOf = new Map<number, () => string>();
  let chain: RunningChain | undefined;
  const close = async (): Promise<void> => {
    for (const p of processes) {
      p.child.kill('SIGKILL');
      if (p.child.exitCode === null && p.child.signalCode === null)
        await new Promise((r) => p.child.once('exit', r));
    }
    for (const a of apis) await a.stop().catch(() => undefined);
    for (const s of signers) s.disconnect();
    await chain?.close();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    chain = await startChain({
      home: join(dir, 'chain'),
      rpcHost: '127.0.0.1',
      rpcPort: 0,
      logLevel: 'silent',
      blockIntervalMs: 100,
      accounts: opts.accounts,
    });
    const backend = await loadBackend('mcl');
    const keyDir = join(dir, 'keys');
    const shares = generateKeyShares(backend, opts.threshold, opts.count, secureRandom);
    writeKeyShares(backend, keyDir, shares);
    const configs: ApiConfig[] = [];
    for (let i = 1; i <= opts.count; i++) {
      const c = defaultConfig(join(dir, `api-${i}`));
      mkdirSync(c.home, { recursive: true });
      c.http.port = 0;
      c.chain.rpcUrl = chain.rpcUrl;
      c.chain.mixnetContract = chain.chainInfo.contracts.mixnet;
      c.chain.bandwidthContract = chain.chainInfo.contracts.bandwidth;
      c.topology.refreshIntervalMs = opts.refreshIntervalMs ?? 300;
      c.coconut.keyFile = join(keyDir, keyFileName(i));
      c.coconut.backend = 'mcl';
      if (opts.maxBodyBytes) c.http.maxBodyBytes = opts.maxBodyBytes;
      configs.push(c);
      if (opts.processes?.includes(i)) {
        writeConfig(c);
        const p = await runApiProcess(i, c.home);
        processes.push(p);
        urlOf.set(i, () => p.url);
        continue;
      }
      // The last instance gets its share in-process, in the JSON form (the others read files).
      const api = createNymApi(c, {
        logger: pino({ level: 'silent' }),
        shutdownGraceMs: 1000,
        keyShare: i === opts.count ? keyShareToJson(backend, shares[i - 1]) : undefined,
      });
      apis.push(api);
      const slot = apis.length - 1;
      // Looked up at call time: a test may replace a stopped instance with a restarted one.
      urlOf.set(i, () => apis[slot].url);
    }
    await Promise.all(apis.map((a) => a.start()));
    const running = chain;
    return {
      dir,
      chain: running,
      apis,
      processes,
      urls: () => [...urlOf.keys()].sort((a, b) => a - b).map((i) => urlOf.get(i)!()),
      configs,
      async signer(i: number) {
        const s = await connectSigningClients({
          rpcUrl: running.rpcUrl,
          mnemonic: running.chainInfo.mnemonic,
          accountIndex: i,
          contracts: {
            mixnet: running.chainInfo.contracts.mixnet,
            bandwidth: running.chainInfo.contracts.bandwidth,
          },
          broadcastPollIntervalMs: 50,
        });
        signers.push(s);
        return s;
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

const NYMPH_CLI = fileURLToPath(new URL('../../src/cli/nymph.ts', import.meta.url));

/** `nymph api run --home home` as a child process, once it printed its ready line. */
async function runApiProcess(index: number, home: string): Promise<ApiProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', NYMPH_CLI, 'api', 'run', '--home', home], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const onData = (d: Buffer): void => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.includes('"api_ready"'));
      if (!line) return;
      child.stdout!.off('data', onData);
      resolve((JSON.parse(line) as { url: string }).url);
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`nym-api ${index} exited (${code}) before ready: ${stderr}`)),
    );
  });
  child.stdout!.resume();
  return {
    index,
    url,
    child,
    freeze: () => void child.kill('SIGSTOP'),
    thaw: () => void child.kill('SIGCONT'),
  };
}

export async function getJson(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const r = await fetch(url, { headers });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null, headers: r.headers };
}

export async function postJson(
  url: string,
  body: unknown,
  contentType = 'application/json',
): Promise<{ status: number; body: any }> {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await r.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // keep text
  }
  return { status: r.status, body: parsed };
}

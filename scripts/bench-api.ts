/**
 * nym-api benchmark.
 *
 * - topology_rps: requests per second to GET /v1/topology with 100 bonded mix nodes (and 2
 *   gateways), measured by autocannon in a separate process on loopback. Baseline in the
 *   same run: a bare node:http server writing the same pre-serialised buffer.
 * - nym_skimmed_rps: the same for Nym's GET /v2/unstable/nym-nodes/skimmed/mixnodes/active
 *   ?page=0&output=bincode (what Nym's client asks: a query string parsed per request).
 * - blind_sign_ms: median wall time of POST /v1/coconut/bandwidth/blind-sign (deposit
 *   lookup over CosmJS, ed25519 check, proof verification, blind signature, encryption).
 *   Baseline: the in-process Coconut blindSign alone on the same backend.
 *
 * Env: BENCH_API_NODES (default 100), BENCH_API_SECONDS per run (default 5), BENCH_API_ROUNDS (2),
 * BENCH_API_CONNECTIONS (default 32), BENCH_API_SIGNS (default 15).
 * Prints figures, then one JSON line last.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { base58 } from '@scure/base';
import { pino } from 'pino';
import { startChain } from '../localnet/index.js';
import { makeCosmoshubPath } from '@cosmjs/amino';
import { Bip39, EnglishMnemonic, Slip10, Slip10Curve } from '@cosmjs/crypto';
import { DirectSecp256k1Wallet } from '@cosmjs/proto-signing';
import { connectSigningClients, identityKeyFromSecret } from '../src/chain/index.js';
import type { SigningClients } from '../src/chain/index.js';
import {
  loadBackend,
  secureRandom,
  BandwidthVoucher,
  issueVoucherShare,
  voucherParameters,
} from '../src/coconut/index.js';
import { createNymApi, defaultConfig, generateKeyShares } from '../src/api/index.js';
import { blindSignBody } from '../src/api-client/index.js';

const NODES = Number(process.env.BENCH_API_NODES ?? 100);
const SECONDS = Number(process.env.BENCH_API_SECONDS ?? 5);
const ROUNDS = Number(process.env.BENCH_API_ROUNDS ?? 2);
const CONNECTIONS = Number(process.env.BENCH_API_CONNECTIONS ?? 32);
const SIGNS = Number(process.env.BENCH_API_SIGNS ?? 15);
const enc = new TextEncoder();
const secret = (label: string): Uint8Array => sha256(enc.encode(label));
const PLEDGE = { denom: 'unym', amount: '100000000' };
const COSTS = {
  profit_margin_percent: '0.1',
  interval_operating_cost: { denom: 'unym', amount: '40000000' },
};

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round = (x: number, d = 2): number => Math.round(x * 10 ** d) / 10 ** d;

/** autocannon in its own process; returns average requests per second. */
function autocannon(url: string): Promise<{ rps: number; p99: number; errors: number; non2xx: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(process.cwd(), 'node_modules/autocannon/autocannon.js'),
        '-j',
        '-c',
        String(CONNECTIONS),
        '-d',
        String(SECONDS),
        url,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited with ${code}`));
      const r = JSON.parse(out) as {
        requests: { average: number };
        latency: { p99: number };
        errors: number;
        non2xx: number;
      };
      resolve({ rps: r.requests.average, p99: r.latency.p99, errors: r.errors, non2xx: r.non2xx });
    });
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'nymph-bench-api-'));
  const chain = await startChain({
    home: join(dir, 'chain'),
    rpcHost: '127.0.0.1',
    rpcPort: 0,
    logLevel: 'silent',
    blockIntervalMs: 200,
    accounts: NODES + 4,
  });
  const contracts = {
    mixnet: chain.chainInfo.contracts.mixnet,
    bandwidth: chain.chainInfo.contracts.bandwidth,
  };
  // One single-key wallet per account: an HD wallet of 100 accounts re-derives every key
  // at each signature, which would dominate the set-up.
  const seed = await Bip39.mnemonicToSeed(new EnglishMnemonic(chain.chainInfo.mnemonic));
  const signers: SigningClients[] = [];
  const signer = async (i: number): Promise<SigningClients> => {
    const { privkey } = Slip10.derivePath(Slip10Curve.Secp256k1, seed, makeCosmoshubPath(i));
    const s = await connectSigningClients({
      rpcUrl: chain.rpcUrl,
      wallet: await DirectSecp256k1Wallet.fromKey(privkey, 'n'),
      contracts,
      broadcastPollIntervalMs: 50,
    });
    signers.push(s);
    return s;
  };

  // ---- bond NODES mix nodes and 2 gateways, 20 transactions at a time
  const t0 = performance.now();
  for (let start = 0; start < NODES; start += 20) {
    const batch = Array.from({ length: Math.min(20, NODES - start) }, (_, j) => start + j);
    await Promise.all(
      batch.map(async (i) => {
        const s = await signer(i + 1);
        await s.mixnet.bondMixnode({
          mixNode: {
            host: `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}`,
            mix_port: 1789,
            verloc_port: 1790,
            http_api_port: 8000,
            sphinx_key: base58.encode(x25519.getPublicKey(secret(`sphinx-${i}`))),
            identity_key: identityKeyFromSecret(secret(`mix-${i}`)),
            version: '0.1.0',
          },
          costParams: COSTS,
          pledge: PLEDGE,
          proof: { identitySecretKey: secret(`mix-${i}`) },
        });
      }),
    );
  }
  for (const g of [0, 1]) {
    const s = await signer(NODES + 1 + g);
    await s.mixnet.bondGateway({
      gateway: {
        host: `gw${g}.example`,
        mix_port: 1789,
        clients_port: 9000,
        location: 'bench',
        sphinx_key: base58.encode(x25519.getPublicKey(secret(`gw-sphinx-${g}`))),
        identity_key: identityKeyFromSecret(secret(`gw-${g}`)),
        version: '0.1.0',
      },
      pledge: PLEDGE,
      proof: { identitySecretKey: secret(`gw-${g}`) },
    });
  }
  console.log(`bonded ${NODES} mix nodes and 2 gateways in ${round((performance.now() - t0) / 1000)} s`);

  // ---- one nym-api instance holding share 1 of a (2, 3) key
  const backend = await loadBackend('mcl');
  const params = voucherParameters(backend);
  const shares = generateKeyShares(backend, 2, 3, secureRandom);
  const config = defaultConfig(join(dir, 'api'));
  config.http.port = 0;
  config.chain.rpcUrl = chain.rpcUrl;
  config.chain.mixnetContract = contracts.mixnet;
  config.chain.bandwidthContract = contracts.bandwidth;
  config.storage.database = ':memory:';
  config.log.level = 'silent';
  const api = createNymApi(config, { logger: pino({ level: 'silent' }), keyShare: shares[0] });
  await api.start();
  const snap = api.cache.snapshot!;
  if (snap.active.length !== NODES)
    throw new Error(`expected ${NODES} active nodes, cache has ${snap.active.length}`);
  const body = snap.serialised.topology.body;
  console.log(`topology document: ${snap.active.length} mix nodes, ${body.length} bytes`);

  // ---- baseline: bare node:http writing the same buffer
  const bare = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': body.length });
    res.end(body);
  });
  await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
  const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/`;
  // Baseline and nym-api alternate, ROUNDS times each, and the best run of each counts: the
  // machine is shared, so a burst of other load should not decide the ratio.
  type Run = Awaited<ReturnType<typeof autocannon>>;
  let base: Run | null = null;
  let topo: Run | null = null;
  let nym: Run | null = null;
  const nymPath = '/v2/unstable/nym-nodes/skimmed/mixnodes/active?page=0&output=bincode';
  const nymBytes = snap.nym.full.mixnodes_active.body.length;
  for (let round_ = 0; round_ < ROUNDS; round_++) {
    const b = await autocannon(bareUrl);
    const t = await autocannon(`${api.url}/v1/topology`);
    const n = await autocannon(`${api.url}${nymPath}`);
    console.log(
      `round ${round_ + 1}: baseline node:http ${round(b.rps, 0)} req/s (p99 ${b.p99} ms); ` +
        `GET /v1/topology ${round(t.rps, 0)} req/s (p99 ${t.p99} ms, errors ${t.errors}, non-2xx ${t.non2xx}); ` +
        `GET ${nymPath} ${round(n.rps, 0)} req/s (${nymBytes} bytes, p99 ${n.p99} ms, non-2xx ${n.non2xx})`,
    );
    if (t.errors > 0 || t.non2xx > 0 || n.errors > 0 || n.non2xx > 0)
      throw new Error('topology requests failed under load');
    if (!base || b.rps > base.rps) base = b;
    if (!topo || t.rps > topo.rps) topo = t;
    if (!nym || n.rps > nym.rps) nym = n;
  }
  await new Promise<void>((r) => bare.close(() => r()));
  base = base!;
  topo = topo!;
  nym = nym!;
  console.log(
    `best: baseline ${round(base.rps, 0)} req/s; GET /v1/topology ${round(topo.rps, 0)} req/s, ` +
      `${round((100 * topo.rps) / base.rps, 1)}% of baseline`,
  );

  // ---- blind-sign latency
  const client = await signer(0);
  const identity = secret('bench-client');
  const encryption = secret('bench-encryption');
  const signTimes: number[] = [];
  const rawTimes: number[] = [];
  for (let i = 0; i < SIGNS; i++) {
    const voucher = BandwidthVoucher.create(params, 1000n, 'BandwidthVoucher', secureRandom);
    const dep = await client.bandwidth.depositFunds({
      amount: { denom: 'unym', amount: '1000' },
      identityKey: base58.encode(ed25519.getPublicKey(identity)),
      encryptionKey: base58.encode(x25519.getPublicKey(encryption)),
    });
    const reqBody = JSON.stringify(blindSignBody(voucher, dep.txHash, identity));
    const s = performance.now();
    const r = await fetch(`${api.url}/v1/coconut/bandwidth/blind-sign`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: reqBody,
    });
    await r.text();
    signTimes.push(performance.now() - s);
    if (r.status !== 200) throw new Error(`blind-sign answered ${r.status}`);
    const b = performance.now();
    issueVoucherShare(params, shares[0].secretKey, voucher.request, 1000n, 'BandwidthVoucher');
    rawTimes.push(performance.now() - b);
  }
  const blindSignMs = median(signTimes.slice(2)); // the first two warm up the JIT and wasm
  const rawMs = median(rawTimes.slice(2));
  console.log(
    `POST blind-sign: median ${round(blindSignMs)} ms; in-process blindSign alone: ${round(rawMs)} ms`,
  );

  await api.stop();
  for (const s of signers) s.disconnect();
  await chain.close();
  rmSync(dir, { recursive: true, force: true });
  console.log(
    JSON.stringify({
      bench: 'api',
      nodes: NODES,
      topology_bytes: body.length,
      topology_rps: Math.round(topo.rps),
      baseline_http_rps: Math.round(base.rps),
      topology_p99_ms: topo.p99,
      nym_skimmed_bytes: nymBytes,
      nym_skimmed_rps: Math.round(nym.rps),
      blind_sign_ms: round(blindSignMs),
      blind_sign_raw_ms: round(rawMs),
      connections: CONNECTIONS,
      seconds: SECONDS,
      rounds: ROUNDS,
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

/** Pure pieces of the chain: addresses, the tx query language, config checks. */
import { describe, expect, it } from 'vitest';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { SignatureVerifier } from '../../localnet/chain/verifier.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ChainConfigError,
  DEFAULT_CONFIG,
  RpcError,
  contractAddress,
  loadConfig,
  moduleAddress,
  parseQuery,
} from '../../localnet/index.js';
import {
  DEFAULT_LAYOUT,
  PLAN_FILE,
  makePlan,
  readPlan,
  validateLayout,
} from '../../localnet/network/plan.js';
import { PHASES } from '../../localnet/network/up.js';
import { LocalnetConfigError, LocalnetOptionError } from '../../localnet/network/errors.js';

describe('localnet addresses', () => {
  it('derives wasmd classic contract addresses', () => {
    // The first contract of any wasmd chain (code 1, instance 1), as block explorers show it.
    expect(contractAddress('wasm', 1n, 1n)).toBe(
      'wasm14hj2tavq8fpesdwxxcu44rty3hh90vhujrvcmstl4zr3txmfvw9s0phg4d',
    );
    expect(contractAddress('juno', 1n, 1n)).toBe(
      'juno14hj2tavq8fpesdwxxcu44rty3hh90vhujrvcmstl4zr3txmfvw9skjuwg8',
    );
    expect(contractAddress('n', 1n, 2n)).not.toBe(contractAddress('n', 2n, 1n));
  });

  it('derives module accounts as sha256(name)[0..20]', () => {
    // cosmos-sdk's well-known fee collector address.
    expect(moduleAddress('cosmos', 'fee_collector')).toBe('cosmos17xpfvakm2amg962yls6f84z3kell8c5lserqta');
  });
});

describe('localnet tx query language', () => {
  it('parses conditions joined by AND', () => {
    expect(parseQuery("tx.hash='AB12'")).toEqual([{ key: 'tx.hash', op: '=', value: 'AB12' }]);
    expect(parseQuery("message.sender='n1x' AND tx.height>=5 AND wasm.action EXISTS")).toEqual([
      { key: 'message.sender', op: '=', value: 'n1x' },
      { key: 'tx.height', op: '>=', value: 5 },
      { key: 'wasm.action', op: 'EXISTS', value: null },
    ]);
    expect(parseQuery("transfer.amount CONTAINS 'unym'")[0].op).toBe('CONTAINS');
  });

  it('rejects malformed queries with an RpcError', () => {
    for (const q of ['', 'tx.height', "a='b' OR c='d'", "a='unterminated", 'a=b']) {
      expect(() => parseQuery(q), q).toThrow(RpcError);
    }
  });
});

describe('localnet config', () => {
  it('writes defaults on first load and applies file then overrides', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nymph-chain-cfg-'));
    try {
      expect(loadConfig(dir)).toEqual(DEFAULT_CONFIG);
      writeFileSync(join(dir, 'config.toml'), 'chain_id = "nyx"\nblock_interval_ms = 250\n');
      const c = loadConfig(dir, { block_interval_ms: 500 });
      expect(c.chain_id).toBe('nyx');
      expect(c.block_interval_ms).toBe(500);
      expect(() => loadConfig(dir, { accounts: 0 })).toThrow(ChainConfigError);
      expect(() => loadConfig(dir, { rpc: 'nope' })).toThrow(/rpc must be host:port/);
      writeFileSync(join(dir, 'config.toml'), 'chain_id = [');
      expect(() => loadConfig(dir)).toThrow(ChainConfigError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('localnet signature verifier', () => {
  it('gives the same answers on a worker thread as inline, in submission order', async () => {
    const sk = sha256(new TextEncoder().encode('verifier-key'));
    const pk = secp256k1.getPublicKey(sk, true);
    const cases = Array.from({ length: 40 }, (_, i) => {
      const msg = new TextEncoder().encode(`message ${i}`);
      const sig = secp256k1.sign(msg, sk); // low-S, over sha256(msg)
      if (i % 3 === 1) sig[10] ^= 1; // corrupt r
      if (i % 3 === 2) return { msg, sig: new Uint8Array(63), want: false }; // wrong length
      return { msg, sig, want: i % 3 === 0 };
    });
    // A high-S twin of a valid signature is refused, as the SDK does.
    const n = secp256k1.Point.CURVE().n;
    const good = secp256k1.sign(cases[0].msg, sk);
    const s = BigInt('0x' + Buffer.from(good.subarray(32)).toString('hex'));
    const highS = new Uint8Array(64);
    highS.set(good.subarray(0, 32));
    highS.set(Buffer.from((n - s).toString(16).padStart(64, '0'), 'hex'), 32);
    cases.push({ msg: cases[0].msg, sig: highS, want: false });
    for (const workers of [0, 1]) {
      const v = new SignatureVerifier(workers);
      const order: number[] = [];
      const answers = await Promise.all(
        cases.map((c, i) =>
          v.verify(pk, c.msg, c.sig).then((ok) => {
            order.push(i);
            return ok;
          }),
        ),
      );
      expect(answers).toEqual(cases.map((c) => c.want));
      expect(order).toEqual(cases.map((_, i) => i));
      await v.close();
    }
  });
});

describe('localnet plan (from the registry of roles)', () => {
  it('lays out fixed ports and accounts as the README documents them', async () => {
    const plan = await makePlan('/tmp/h', { ...DEFAULT_LAYOUT, clients: 2 });
    const B = DEFAULT_LAYOUT.basePort;
    const at = (name: string) => plan.nodes.find((x) => x.name === name)!;
    expect(at('chain').ports).toEqual({ rpc: 26_657 });
    expect(at('nym-api-2').ports).toEqual({ http: B + 1 });
    expect(at('mixnode-3').ports).toEqual({ mix: B + 102, metrics: B + 152 });
    expect(at('gateway-2').ports).toEqual({ mix: B + 201, clients: B + 251, metrics: B + 301 });
    expect(at('client-2').ports).toEqual({ websocket: 1978, metrics: B + 351 });
    expect(at('requester-1').ports).toEqual({ metrics: B + 400 });
    // 0 is the admin; the nym-apis 1..3 (their DKG dealers sign), mix nodes 4..9,
    // gateways 10..11, clients 12..13, the requester 14, the SOCKS client 15
    expect(plan.nodes.map((x) => [x.name, x.account])).toEqual([
      ['chain', -1],
      ['nym-api-1', 1],
      ['nym-api-2', 2],
      ['nym-api-3', 3],
      ...[1, 2, 3, 4, 5, 6].map((i) => [`mixnode-${i}`, i + 3]),
      ['gateway-1', 10],
      ['gateway-2', 11],
      ['client-1', 12],
      ['client-2', 13],
      ['requester-1', 14],
      ['socks5-1', 15],
    ]);
    expect(at('socks5-1').ports).toEqual({ socks: 1080, metrics: B + 450 });
    expect(at('mixnode-1').home).toBe('/tmp/h/mixnode-1');
    expect(plan.chainAccounts).toBe(20);
  });

  it('refuses counts that do not fit a fixed port block, and allows them on free ports', async () => {
    const big = { ...DEFAULT_LAYOUT, mixnodesPerLayer: 17 };
    expect(() => validateLayout(big)).toThrow(LocalnetOptionError);
    expect(() => validateLayout({ ...big, ports: 'auto' })).not.toThrow();
    expect(() => validateLayout({ ...DEFAULT_LAYOUT, threshold: 4 })).toThrow(/threshold/);
    expect(() => validateLayout({ ...DEFAULT_LAYOUT, gateways: 0 })).toThrow(/--gateways/);
  });

  it('resumes a network planned by an earlier version, with the same homes, ports and accounts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nymph-plan-v1-'));
    try {
      const n = (name: string, port: number, extra: object = {}) => ({
        name,
        home: join(dir, name),
        port,
        metricsPort: -1,
        account: 0,
        ...extra,
      });
      writeFileSync(
        join(dir, PLAN_FILE),
        JSON.stringify({
          version: 1,
          layout: { ...DEFAULT_LAYOUT, mixnodesPerLayer: 1, gateways: 1, apis: 1, threshold: 1, clients: 1 },
          chain: { home: join(dir, 'chain'), port: 26657, accounts: 9 },
          apis: [n('nym-api-1', 20000)],
          mixnodes: [1, 2, 3].map((i) =>
            n(`mixnode-${i}`, 20099 + i, { metricsPort: 20149 + i, account: i }),
          ),
          gateways: [n('gateway-1', 20200, { clientsPort: 20250, metricsPort: 20300, account: 4 })],
          clients: [n('client-1', 1977, { account: 5 })],
        }),
      );
      const plan = readPlan(dir)!;
      expect(plan.version).toBe(2);
      expect(plan.chainAccounts).toBe(9);
      expect(plan.nodes.map((x) => x.name)).toEqual([
        'chain',
        'nym-api-1',
        'mixnode-1',
        'mixnode-2',
        'mixnode-3',
        'gateway-1',
        'client-1',
      ]);
      expect(plan.nodes.find((x) => x.name === 'gateway-1')).toMatchObject({
        role: 'gateway',
        ports: { mix: 20200, clients: 20250, metrics: 20300 },
        account: 4,
      });
      expect(plan.nodes.find((x) => x.name === 'mixnode-2')!.ports).toEqual({ mix: 20101, metrics: 20151 });
      writeFileSync(join(dir, PLAN_FILE), '{"version": 2, "nodes": 5}');
      expect(() => readPlan(dir)).toThrow(LocalnetConfigError);
      writeFileSync(join(dir, PLAN_FILE), '{');
      expect(() => readPlan(dir)).toThrow(LocalnetConfigError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('starts as the named phases, in order', () => {
    expect(PHASES.map((p) => p.name)).toEqual([
      'prepare home',
      'plan',
      'serve pages',
      'launch roles',
      'make keys',
      'start chain',
      'initiate dkg',
      'write configs',
      'start apis',
      'dkg',
      'start nodes',
      'wait for topology',
      'start clients',
      'self-test',
      'summary',
    ]);
  });
});

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

/**
 * CORS on the localnet chain's JSON-RPC: an allowed origin gets
 * Access-Control-Allow-Origin (on preflights and on answers), any other origin gets no
 * such header and a refused preflight, no list means no CORS at all, and a bad
 * `rpc_cors_allowed_origins` value stops the chain from starting with ChainCorsConfigError.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChain, type RunningChain } from '../../localnet/index.js';
import { ChainCorsConfigError, parseCorsOrigins } from '../../localnet/chain/cors.js';

const PAGE = 'http://127.0.0.1:1980';
const OTHER = 'http://evil.example';

const preflight = (url: string, origin: string): Promise<Response> =>
  fetch(url, {
    method: 'OPTIONS',
    headers: {
      origin,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type',
    },
  });
const post = (url: string, origin?: string): Promise<Response> =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}) },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'status', params: {} }),
  });

describe('chain RPC CORS', () => {
  const homes: string[] = [];
  const home = (): string => {
    const h = mkdtempSync(join(tmpdir(), 'nymph-rpc-cors-'));
    homes.push(h);
    return h;
  };
  let allowing: RunningChain;
  let plain: RunningChain;

  beforeAll(async () => {
    allowing = await startChain({ home: home(), rpcPort: 0, accounts: 2, rpcCorsAllowedOrigins: PAGE });
    plain = await startChain({ home: home(), rpcPort: 0, accounts: 2 });
  }, 120_000);
  afterAll(async () => {
    await allowing?.close();
    await plain?.close();
    for (const h of homes) rmSync(h, { recursive: true, force: true });
  });

  it('answers an allowed origin’s preflight and marks its answers readable', async () => {
    const pre = await preflight(allowing.rpcUrl, PAGE);
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe(PAGE);
    expect(pre.headers.get('access-control-allow-methods')).toContain('POST');
    expect(pre.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type');
    const r = await post(allowing.rpcUrl, PAGE);
    expect(r.status).toBe(200);
    expect(r.headers.get('access-control-allow-origin')).toBe(PAGE);
    expect(r.headers.get('vary')).toBe('Origin');
    const body = (await r.json()) as { result: { node_info: { network: string } } };
    expect(body.result.node_info.network).toBe('nymph-localnet');
  });

  it('gives another origin no header and refuses its preflight (exact match, no wildcard)', async () => {
    for (const origin of [OTHER, 'http://127.0.0.1:1981', 'https://127.0.0.1:1980']) {
      const pre = await preflight(allowing.rpcUrl, origin);
      expect(pre.status).toBe(403);
      expect(pre.headers.get('access-control-allow-origin')).toBeNull();
      const r = await post(allowing.rpcUrl, origin);
      expect(r.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('sends no CORS headers by default', async () => {
    const pre = await preflight(plain.rpcUrl, PAGE);
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    expect(pre.status).not.toBe(204);
    const r = await post(plain.rpcUrl, PAGE);
    expect(r.status).toBe(200);
    expect(r.headers.get('access-control-allow-origin')).toBeNull();
    // callers without an Origin (CosmJS in Node, nym-api) are unaffected
    expect((await post(allowing.rpcUrl)).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('rejects a bad value with ChainCorsConfigError naming the entry', async () => {
    expect(parseCorsOrigins('http://a.example, https://b.example:8443')).toEqual([
      'http://a.example',
      'https://b.example:8443',
    ]);
    expect(parseCorsOrigins(['*'])).toEqual(['*']);
    for (const bad of ['http://a.example/path', 'ftp://a.example', 'a.example', 'http://a.example:99999']) {
      expect(() => parseCorsOrigins([bad])).toThrow(ChainCorsConfigError);
    }
    expect(() => parseCorsOrigins(42)).toThrow(/must be a list of origins/);
    expect(() => parseCorsOrigins([1])).toThrow(ChainCorsConfigError);
    const err = (() => {
      try {
        parseCorsOrigins(['http://a.example/']);
      } catch (e) {
        return e as ChainCorsConfigError;
      }
      throw new Error('a path was accepted as an origin');
    })();
    expect(err.code).toBe('CHAIN_CORS_ORIGIN_INVALID');
    expect(err.field).toBe('rpc_cors_allowed_origins');
    expect(err.message).toContain("'http://a.example/'");
    // from the config file: the chain does not start
    const h = home();
    writeFileSync(join(h, 'config.toml'), 'rpc_cors_allowed_origins = ["not an origin"]\n');
    await expect(startChain({ home: h, rpcPort: 0, accounts: 2 })).rejects.toThrow(ChainCorsConfigError);
  });
});

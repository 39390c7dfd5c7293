/**
 * nym-api pieces that need no chain: config, the deposit store, the share envelope,
 * request schemas, node validation in the cache, key files.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { x25519 } from '@noble/curves/ed25519.js';
import { base58 } from '@scure/base';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBackend, seededRandom, voucherParameters } from '../../src/coconut/index.js';
import type { GroupBackend } from '../../src/coconut/index.js';
import { pureBackend } from '../../src/crypto/index.js';
import { nodeBackend } from '../../src/crypto/node.js';
import {
  ConfigError,
  InvalidRequestError,
  KeyFileError,
  SqliteDepositStore,
  buildSnapshot,
  configFromToml,
  configToToml,
  defaultConfig,
  generateKeyShares,
  keyShareToJson,
  loadConfig,
  parseBlindSignBody,
  parseVerifyBody,
  readKeyFile,
  setConfigValue,
  validateEntries,
  writeConfig,
  writeKeyShares,
} from '../../src/api/index.js';
import { LowOrderKeyError, openShare, sealShare } from '../../src/api-client/index.js';

let dir: string;
let backend: GroupBackend;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nymph-api-unit-'));
  backend = await loadBackend('noble');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('config', () => {
  it('round-trips through TOML and resolves flags', () => {
    const c = defaultConfig(join(dir, 'home-a'));
    c.chain.mixnetContract = 'n1mixnet';
    c.http.port = 9123;
    writeConfig(c);
    const back = loadConfig(c.home);
    expect(back).toEqual(c);
    setConfigValue(back, 'http.port', '8081');
    setConfigValue(back, 'coconut.enabled', 'false');
    expect(back.http.port).toBe(8081);
    expect(back.coconut.enabled).toBe(false);
  });

  it('refuses unknown keys, wrong types and bad TOML with ConfigError', () => {
    expect(() => configFromToml('/x', '[http]\nbogus = 1\n')).toThrow(ConfigError);
    expect(() => configFromToml('/x', '[http]\nport = "eighty"\n')).toThrow(/non-negative integer/);
    expect(() => configFromToml('/x', '[log]\nlevel = "loud"\n')).toThrow(ConfigError);
    expect(() => configFromToml('/x', 'not toml [')).toThrow(/not valid TOML/);
    expect(() => loadConfig(join(dir, 'nowhere'))).toThrow(/nymph api init/);
    expect(configToToml(defaultConfig('/x'))).toContain('refresh_interval_ms = 2000');
  });

  it('reads cors_allowed_origins from TOML and from a comma-separated flag, refusing non-origins', () => {
    expect(defaultConfig('/x').http.corsAllowedOrigins).toEqual([]);
    const c = configFromToml(
      '/x',
      '[http]\ncors_allowed_origins = ["https://app.example", "http://localhost:5173"]\n',
    );
    expect(c.http.corsAllowedOrigins).toEqual(['https://app.example', 'http://localhost:5173']);
    expect(configFromToml('/x', configToToml(c)).http.corsAllowedOrigins).toEqual(c.http.corsAllowedOrigins);
    setConfigValue(c, 'http.cors_allowed_origins', '*');
    expect(c.http.corsAllowedOrigins).toEqual(['*']);
    setConfigValue(c, 'http.cors_allowed_origins', 'https://a.example, https://b.example:8443');
    expect(c.http.corsAllowedOrigins).toEqual(['https://a.example', 'https://b.example:8443']);
    for (const bad of ['https://a.example/path', 'a.example', 'ftp://a.example', 'https://a.example/']) {
      expect(() => setConfigValue(c, 'http.cors_allowed_origins', bad)).toThrow(ConfigError);
    }
    expect(() => configFromToml('/x', '[http]\ncors_allowed_origins = [1]\n')).toThrow(/list of origins/);
    expect(() => configFromToml('/x', '[topology]\nkey_rotation_validity_epochs = 12\n')).not.toThrow();
  });
});

describe("host resolution for Nym's ip_addresses", () => {
  it('resolves names with the system resolver, IPv4 first, caches answers for the TTL, and gives [] for names that do not resolve', async () => {
    const { lookup } = await import('node:dns/promises');
    const { cachingResolver, resolveHosts } = await import('../../src/api/resolve.js');
    let calls = 0;
    let now = 0;
    const resolve = cachingResolver({
      ttlMs: 1000,
      now: () => now,
      lookupAll: (h) => {
        calls++;
        return lookup(h, { all: true });
      },
    });
    const signal = new AbortController().signal;
    const local = await resolve('localhost', signal);
    expect(local).toContain('127.0.0.1');
    expect(local[0]).toBe('127.0.0.1'); // IPv4 first
    await resolve('localhost', signal);
    expect(calls).toBe(1);
    now = 1001;
    await resolve('localhost', signal);
    expect(calls).toBe(2);
    expect(await resolve('192.0.2.7', signal)).toEqual(['192.0.2.7']);
    expect(calls).toBe(2); // an address needs no lookup
    expect(await resolve('no-such-host.invalid', signal)).toEqual([]);
    const all = await resolveHosts(['localhost', '10.0.0.1', 'localhost', '::1'], resolve, signal);
    expect([...all.keys()]).toEqual(['localhost']);
    const aborted = AbortSignal.abort(new Error('stop'));
    await expect(resolve('localhost', aborted)).rejects.toThrow('stop');
  });
});

describe('SQLite deposit store', () => {
  const share = { remote_key: 'R'.repeat(44), encrypted_signature: 'S'.repeat(200) };
  const d = {
    txHash: 'ab'.repeat(32),
    usedAt: '2026-01-01T00:00:00.000Z',
    identityKey: 'id',
    value: '5unym',
    requestDigest: 'd1'.repeat(32),
    share,
  };

  it('records a deposit once with its answer, durably across reopen, case-insensitively', () => {
    const file = join(dir, 'deposits.sqlite');
    const s1 = new SqliteDepositStore(file);
    expect(s1.claim(d)).toBeNull();
    // A second record for the deposit is refused and the first one is returned, answer and all.
    const second = {
      ...d,
      usedAt: 'later',
      requestDigest: 'e2'.repeat(32),
      share: { ...share, remote_key: 'x' },
    };
    expect(s1.claim(second)).toEqual({ ...d, txHash: d.txHash.toUpperCase() });
    s1.close();
    const s2 = new SqliteDepositStore(file);
    expect(s2.get('AB'.repeat(32))).toMatchObject({
      identityKey: 'id',
      requestDigest: d.requestDigest,
      share,
    });
    expect(s2.claim({ ...d, txHash: d.txHash.toUpperCase() })).not.toBeNull();
    s2.release(d.txHash);
    expect(s2.claim(d)).toBeNull();
    expect(s2.count()).toBe(1);
    s2.close();
  });

  it('opens a store written before answers were kept: old records read back without one', async () => {
    const Database = (await import('better-sqlite3')).default;
    const file = join(dir, 'deposits-v1.sqlite');
    const old = new Database(file);
    old.exec(`CREATE TABLE used_deposits (
      tx_hash TEXT PRIMARY KEY NOT NULL, used_at TEXT NOT NULL, identity_key TEXT NOT NULL, value TEXT NOT NULL
    ) WITHOUT ROWID`);
    old.prepare('INSERT INTO used_deposits VALUES (?, ?, ?, ?)').run('CD'.repeat(32), 'then', 'id', '1unym');
    old.close();
    const s = new SqliteDepositStore(file);
    expect(s.get('cd'.repeat(32))).toEqual({
      txHash: 'CD'.repeat(32),
      usedAt: 'then',
      identityKey: 'id',
      value: '1unym',
      requestDigest: null,
      share: null,
    });
    expect(s.claim(d)).toBeNull();
    expect(s.get(d.txHash)?.share).toEqual(share);
    s.close();
    // Reopening does not try to add the columns again.
    new SqliteDepositStore(file).close();
  });
});

describe('blind-sign request digest', () => {
  it('is the same for the same request whatever the signature, and differs in every other field', async () => {
    const { blindSignRequestDigest } = await import('../../src/api/index.js');
    const body = {
      blind_sign_request: base58.encode(new Uint8Array([1, 2, 3])),
      tx_hash: 'ab'.repeat(32),
      signature: base58.encode(new Uint8Array(64)),
      public_attributes: ['x', 'y'],
      public_attributes_plain: ['5', 'BandwidthVoucher'],
      total_params: 4,
    };
    const req = new Uint8Array([1, 2, 3]);
    const digest = blindSignRequestDigest(body, req);
    expect(digest).toMatch(/^[0-9a-f]{64}$/);
    expect(
      blindSignRequestDigest({ ...body, signature: base58.encode(new Uint8Array(64).fill(7)) }, req),
    ).toBe(digest);
    expect(blindSignRequestDigest({ ...body, tx_hash: 'AB'.repeat(32) }, req)).toBe(digest);
    const others = [
      blindSignRequestDigest(body, new Uint8Array([1, 2, 4])),
      blindSignRequestDigest({ ...body, tx_hash: 'ac'.repeat(32) }, req),
      blindSignRequestDigest({ ...body, total_params: 5 }, req),
      blindSignRequestDigest({ ...body, public_attributes_plain: ['6', 'BandwidthVoucher'] }, req),
      // Lengths are framed: moving a character from one field to the next is a different request.
      blindSignRequestDigest({ ...body, public_attributes_plain: ['5B', 'andwidthVoucher'] }, req),
    ];
    expect(new Set([digest, ...others]).size).toBe(others.length + 1);
  });
});

describe('share envelope', () => {
  const rng = seededRandom('envelope');
  const recipientSecret = rng(32);
  const recipient = x25519.getPublicKey(recipientSecret);
  const share = rng(96);
  const hash = 'C0FFEE'.padEnd(64, '0');

  it('opens only with the right key and tx hash, and refuses tampering', () => {
    const sealed = sealShare(share, recipient, hash, rng(32));
    expect(openShare(sealed, recipientSecret, hash.toLowerCase())).toEqual(share);
    expect(openShare(sealed, rng(32), hash)).toBeNull();
    expect(openShare(sealed, recipientSecret, 'D'.repeat(64))).toBeNull();
    const ct = base58.decode(sealed.encrypted_signature);
    ct[5] ^= 1;
    expect(
      openShare({ ...sealed, encrypted_signature: base58.encode(ct) }, recipientSecret, hash),
    ).toBeNull();
    expect(openShare({ remote_key: '0OIl', encrypted_signature: 'x' }, recipientSecret, hash)).toBeNull();
  });

  it('is byte-compatible between the native and the pure backend, and refuses small-order keys', () => {
    const eph = rng(32);
    const native = sealShare(share, recipient, hash, eph, nodeBackend);
    expect(sealShare(share, recipient, hash, eph, pureBackend)).toEqual(native);
    expect(openShare(native, recipientSecret, hash, pureBackend)).toEqual(share);
    expect(() => sealShare(share, new Uint8Array(32), hash, eph)).toThrow(LowOrderKeyError);
  });
});

describe('request schemas', () => {
  const good = {
    blind_sign_request: base58.encode(new Uint8Array(100).fill(7)),
    tx_hash: 'a'.repeat(64),
    signature: base58.encode(new Uint8Array(64).fill(1)),
    public_attributes: [base58.encode(new Uint8Array(32).fill(2)), base58.encode(new Uint8Array(32).fill(3))],
    public_attributes_plain: ['1000', 'BandwidthVoucher'],
    total_params: 4,
  };

  it('accepts a well-formed blind-sign body and normalises the hash', () => {
    expect(parseBlindSignBody(good).tx_hash).toBe('A'.repeat(64));
  });

  it.each([
    ['tx_hash', { ...good, tx_hash: 'zz' }],
    ['signature', { ...good, signature: base58.encode(new Uint8Array(63)) }],
    ['public_attributes_plain', { ...good, public_attributes_plain: ['1'] }],
    ['extra', { ...good, extra: 1 }],
    ['blind_sign_request', { ...good, blind_sign_request: '0OIl' }],
    ['total_params', { ...good, total_params: 1.5 }],
    ['blind_sign_request', { ...good, blind_sign_request: undefined }],
  ])('refuses a bad %s with InvalidRequestError naming the field', (field, body) => {
    const err = (() => {
      try {
        parseBlindSignBody(JSON.parse(JSON.stringify(body)));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect((err as InvalidRequestError).field).toBe(field);
    expect((err as InvalidRequestError).status).toBe(400);
  });

  it.each([
    [[], '$', 'must be a JSON object'],
    [null, '$', 'must be a JSON object'],
    [{ ...good, extra: 1 }, 'extra', 'unknown field'],
    [{ ...good, tx_hash: undefined }, 'tx_hash', 'is required'],
    [
      { ...good, public_attributes: [good.public_attributes[0], 'x0'] },
      'public_attributes[1]',
      'is not valid base58',
    ],
    [{ ...good, public_attributes: [] }, 'public_attributes', 'must be an array of 1..16 strings'],
    [{ ...good, total_params: 2 }, 'total_params', 'must be an integer in 3..16'],
    [{ ...good, total_params: 17 }, 'total_params', 'must be an integer in 2..16'],
    [
      { ...good, signature: base58.encode(new Uint8Array(63)) },
      'signature',
      'must decode to 64 bytes, got 63',
    ],
    [{ ...good, public_attributes_plain: ['1', 2] }, 'public_attributes_plain[1]', 'must be a string'],
  ])('names the field and the rule: %j', (body, field, reason) => {
    expect(() => parseBlindSignBody(JSON.parse(JSON.stringify(body)))).toThrow(
      expect.objectContaining({ field, reason, code: 'invalid_request' }),
    );
  });

  it.each([
    [{ credential: [] }, 'credential', 'must be a JSON object'],
    [
      { credential: { n_params: 2, theta: 'abc', voucher_value: '18446744073709551616', voucher_info: '' } },
      'credential.voucher_value',
      'must be a decimal u64',
    ],
    [
      { credential: { n_params: 2, theta: 'abc', voucher_value: '01', voucher_info: '' } },
      'credential.voucher_value',
      'must be a decimal u64',
    ],
    [
      { credential: { n_params: 0, theta: 'abc', voucher_value: '1', voucher_info: '' } },
      'credential.n_params',
      'must be an integer in 1..16',
    ],
    [
      { credential: { n_params: 2, theta: 'abc', voucher_value: '1' } },
      'credential.voucher_info',
      'is required',
    ],
  ])('names the field of a bad credential: %j', (body, field, reason) => {
    expect(() => parseVerifyBody(body)).toThrow(expect.objectContaining({ field, reason }));
  });

  it('never throws anything but InvalidRequestError on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        for (const parse of [parseBlindSignBody, parseVerifyBody]) {
          try {
            parse(v);
          } catch (e) {
            if (!(e instanceof InvalidRequestError)) throw e;
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('contract cache validation', () => {
  const key = (n: number) => base58.encode(new Uint8Array(32).fill(n));
  const mix = (id: number, over: Record<string, unknown> = {}) => ({
    bond_information: {
      mix_id: id,
      owner: `n1owner${id}`,
      original_pledge: { denom: 'unym', amount: '100' },
      layer: ((id - 1) % 3) + 1,
      mix_node: {
        host: '127.0.0.1',
        mix_port: 1789,
        verloc_port: 1790,
        http_api_port: 8000,
        sphinx_key: key(id),
        identity_key: key(100 + id),
        version: '1',
        ...over,
      },
      proxy: null,
      bonding_height: 1,
      is_unbonding: false,
    },
    rewarding_details: { operator: '100' },
  });
  const gw = {
    pledge_amount: { denom: 'unym', amount: '1' },
    owner: 'n1g',
    block_height: 1,
    proxy: null,
    gateway: {
      host: 'gw.example',
      mix_port: 1789,
      clients_port: 9000,
      location: 'here',
      sphinx_key: key(200),
      identity_key: key(201),
      version: '1',
    },
  };

  it('skips malformed nodes with a reason and keeps the rest', () => {
    const raw = [
      mix(1),
      mix(2, { sphinx_key: 'short' }),
      mix(3, { host: 'not a host!' }),
      mix(4, { mix_port: 70000 }),
      mix(5, { identity_key: key(101) }), // duplicate of node 1
      'garbage',
      mix(6),
      mix(6, { identity_key: key(250) }), // duplicate mix_id
    ];
    const v = validateEntries(raw, [gw, { gateway: 'nope' }]);
    expect(v.mixnodes.map((d) => d.bond_information.mix_id)).toEqual([1, 6]);
    expect(v.gateways).toHaveLength(1);
    expect(v.skipped.map((s) => s.code)).toEqual([
      'bad_sphinx_key',
      'bad_host',
      'bad_port',
      'duplicate',
      'malformed',
      'duplicate',
      'malformed',
    ]);
  });

  it('pre-serialises every route with an ETag that changes with the content', () => {
    const interval = {
      id: 0,
      epochs_in_interval: 720,
      current_epoch_start: '2026-01-01T00:00:00Z',
      current_epoch_id: 3,
      epoch_length: { secs: 3600, nanos: 0 },
      total_elapsed_epochs: 3,
    };
    const v = validateEntries([mix(1), mix(2), mix(3)], [gw]);
    const a = buildSnapshot(
      1,
      v.mixnodes,
      v.gateways,
      new Map([
        [1, 'active'],
        [2, 'standby'],
      ]),
      interval,
      0,
    );
    expect(JSON.parse(a.serialised.active.body.toString())).toHaveLength(1);
    expect(JSON.parse(a.serialised.rewarded.body.toString())).toHaveLength(2);
    const topo = JSON.parse(a.serialised.topology.body.toString());
    expect(topo).toMatchObject({ epoch_id: 3, interval_id: 0 });
    expect(topo.mixnodes[0]).toMatchObject({ mix_id: 1, layer: 1, mix_node: { sphinx_key: key(1) } });
    const b = buildSnapshot(
      2,
      v.mixnodes,
      v.gateways,
      new Map([
        [1, 'active'],
        [3, 'active'],
      ]),
      interval,
      0,
    );
    expect(b.serialised.topology.etag).not.toBe(a.serialised.topology.etag);
    expect(b.serialised.gateways.etag).toBe(a.serialised.gateways.etag);
  });
});

describe('key files', () => {
  it('writes n shares with mode 0600 and reads them back, checking the pair', () => {
    const shares = generateKeyShares(backend, 2, 3, seededRandom('keys'));
    const paths = writeKeyShares(backend, join(dir, 'keys'), shares);
    expect(paths).toHaveLength(3);
    expect(statSync(paths[0]).mode & 0o777).toBe(0o600);
    const params = voucherParameters(backend);
    const k2 = readKeyFile(params, paths[1]);
    expect(k2).toMatchObject({ index: 2, threshold: 2, authorities: 3, attributes: 4 });
    // A verification key from another share is caught at load.
    const doc = keyShareToJson(backend, shares[0]);
    doc.verification_key = keyShareToJson(backend, shares[1]).verification_key;
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify(doc));
    expect(() => readKeyFile(params, bad)).toThrow(/does not belong/);
    writeFileSync(bad, '{"type":"nymph-coconut-key-share","version":1}');
    expect(() => readKeyFile(params, bad)).toThrow(KeyFileError);
    expect(() => readKeyFile(params, join(dir, 'absent.json'))).toThrow(KeyFileError);
    expect(existsSync(paths[2]) && readFileSync(paths[2], 'utf8')).toContain('aggregated_verification_key');
  });
});

describe('contract cache poller', () => {
  it('survives chain errors and malformed data, retries, and counts what it skipped', async () => {
    const { ContractCache, createMetrics } = await import('../../src/api/index.js');
    const { pino } = await import('pino');
    let calls = 0;
    const interval = {
      id: 0,
      epochs_in_interval: 1,
      current_epoch_start: '2026-01-01T00:00:00Z',
      current_epoch_id: 0,
      epoch_length: { secs: 60, nanos: 0 },
      total_elapsed_epochs: 0,
    };
    const metrics = createMetrics();
    const cache = new ContractCache({
      source: {
        async getMixNodesDetailed() {
          calls++;
          if (calls <= 2) throw new Error('connection refused');
          return [{ bond_information: { mix_id: 1, layer: 9 } }, null, 42];
        },
        getGateways: async () => [{ gateway: { host: '::1', mix_port: 0 } }],
        getRewardedSet: async () => new Map(),
        getPreassignedGatewayIds: async () => null,
        getCurrentInterval: async () => ({
          interval,
          current_blocktime: 0,
          is_current_interval_over: false,
          is_current_epoch_over: false,
        }),
      },
      refreshIntervalMs: 10_000,
      retryBackoffMs: 5,
      timeoutMs: 1000,
      logger: pino({ level: 'silent' }),
      metrics,
    });
    await cache.start();
    expect(cache.snapshot).toBeNull();
    // Two failures, then success: retries come after 5 and 10 ms, well before the interval.
    await cache.waitForRefresh();
    await cache.waitForRefresh();
    await cache.stop();
    expect(cache.snapshot?.mixnodes).toEqual([]);
    expect(cache.snapshot?.gateways).toEqual([]);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/nym_api_cache_refreshes_total\{outcome="error"\} 2/);
    expect(text).toMatch(/nym_api_cache_skipped_nodes_total\{kind="mixnode",reason="bad_layer"\} 1/);
    expect(text).toMatch(/nym_api_cache_skipped_nodes_total\{kind="gateway",reason="malformed"\} 1/);
  });
});

describe('createNymApi start-up failures', () => {
  it('refuses an incomplete config and an unreachable chain with typed errors', async () => {
    const { createNymApi, ChainUnavailableError } = await import('../../src/api/index.js');
    const { pino } = await import('pino');
    const c = defaultConfig(join(dir, 'home-fail'));
    expect(() => createNymApi(c)).toThrow(/mixnet_contract/);
    c.chain.mixnetContract = 'n1mixnet';
    c.chain.bandwidthContract = 'n1bandwidth';
    c.chain.rpcUrl = 'http://127.0.0.1:1';
    c.chain.queryTimeoutMs = 2000;
    c.http.port = 0;
    const api = createNymApi(c, { logger: pino({ level: 'silent' }) });
    await expect(api.start()).rejects.toBeInstanceOf(ChainUnavailableError);
    expect(api.url).toBe('');
    await api.stop();
  });
});

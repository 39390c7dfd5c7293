/**
 * nym-api against a real localnet chain (in-process, CometBFT JSON-RPC on loopback),
 * through unmodified CosmJS: topology caching, and Coconut issuance with 3 instances and
 * threshold 2, including every refusal the blind-sign route has.
 */
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { base58 } from '@scure/base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryFailedError } from '../../src/chain/index.js';
import type { SigningClients } from '../../src/chain/index.js';
import {
  loadBackend,
  codecsFor,
  fr,
  secureRandom,
  BandwidthVoucher,
  voucherParameters,
} from '../../src/coconut/index.js';
import type { GroupBackend } from '../../src/coconut/index.js';
import { pino } from 'pino';
import { createNymApi } from '../../src/api/index.js';
import {
  blindSignBody,
  blindSignSignatureMessage,
  fetchAggregatedVerificationKey,
  fetchKeyRotationInfo,
  fetchRewardedSet,
  fetchSkimmedNodes,
  NotEnoughSharesError,
  obtainBandwidthCredential,
  openShare,
} from '../../src/api-client/index.js';
import type { PendingIssuance } from '../../src/api-client/index.js';
import { Topology } from '../../src/topology/index.js';
import { COSTS, PLEDGE, gateway, getJson, mixNode, postJson, secret, startNet } from './helpers.js';
import type { Net } from './helpers.js';

let net: Net;
let backend: GroupBackend;
const BLIND_SIGN = '/v1/coconut/bandwidth/blind-sign';
const VERIFY = '/v1/coconut/bandwidth/verify-bandwidth-credential';

beforeAll(async () => {
  net = await startNet({ count: 3, threshold: 2, refreshIntervalMs: 300 });
  backend = await loadBackend('mcl');
});
afterAll(async () => {
  await net?.close();
});

const url = (i: number, path: string) => `${net.apis[i].url}${path}`;

describe('topology cache', () => {
  const operators: SigningClients[] = [];

  it('serves bonded mix nodes in /v1/mixnodes/active within one poll, with layers', async () => {
    for (let i = 1; i <= 3; i++) operators.push(await net.signer(i));
    await Promise.all(
      operators.map((op, i) =>
        op.mixnet.bondMixnode({
          mixNode: mixNode(`mix-${i}`, 2000 + 10 * i),
          costParams: COSTS,
          pledge: PLEDGE,
          proof: { identitySecretKey: secret(`mix-${i}`) },
        }),
      ),
    );
    const gw = await net.signer(4);
    await gw.mixnet.bondGateway({
      gateway: gateway('gw-1', 3000),
      pledge: PLEDGE,
      proof: { identitySecretKey: secret('gw-1') },
    });
    await net.apis[0].cache.waitForRefresh();

    const active = await getJson(url(0, '/v1/mixnodes/active'));
    expect(active.status).toBe(200);
    expect(active.body).toHaveLength(3);
    const layers = active.body.map((d: any) => d.bond_information.layer).sort();
    expect(layers).toEqual([1, 2, 3]);
    expect(active.body[0].bond_information.mix_node).toMatchObject({ host: '127.0.0.1', version: '0.1.0' });
    expect(active.body[0].bond_information.mix_node.sphinx_key).toMatch(/^[1-9A-HJ-NP-Za-km-z]{43,44}$/);

    const topo = await getJson(url(0, '/v1/topology'));
    const { topology, skipped } = Topology.fromJson(topo.body);
    expect(skipped).toEqual([]);
    expect(topology.layerSizes()).toEqual([1, 1, 1]);
    expect(topology.gateways.map((g) => g.identityKey)).toEqual([gateway('gw-1', 3000).identity_key]);

    // Conditional GET: the same ETag gives 304 with no body.
    const etag = topo.headers.get('etag')!;
    const again = await fetch(url(0, '/v1/topology'), { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');

    const gws = await getJson(url(0, '/v1/gateways'));
    expect(gws.body[0].gateway).toMatchObject({ host: 'localhost', clients_port: 3001 });
    const all = await getJson(url(0, '/v1/mixnodes'));
    expect(all.body.map((d: any) => d.bond_information.mix_id).sort()).toEqual([1, 2, 3]);
    const detailed = await getJson(url(0, '/v1/mixnodes/detailed'));
    expect(detailed.body[0]).toHaveProperty('mixnode_details.bond_information.mix_id');
    expect(detailed.body[0]).toHaveProperty('stake_saturation');
    const epoch = await getJson(url(0, '/v1/epoch/current'));
    expect(epoch.body).toMatchObject({ id: 0, epochs_in_interval: 720 });
    expect(typeof epoch.body.current_epoch_start).toBe('string');
  });

  it("serves Nym's skimmed nodes from the same cache, gateways numbered by the contract", async () => {
    // Gateways take the node id the contract preassigned; a contract without that query
    // leaves them out of Nym's routes (and only there).
    const gwIdentity = gateway('gw-1', 3000).identity_key;
    let contractIds: Map<string, number> | null = null;
    try {
      const r = await operators[0].mixnet.getPreassignedGatewayIds();
      contractIds = new Map(r.ids.map((e) => [e.identity, e.node_id]));
    } catch (err) {
      if (!(err instanceof QueryFailedError)) throw err;
    }
    const base = net.apis[0].url;
    const active = await fetchSkimmedNodes(base, '/mixnodes/active');
    expect(active.nodes.map((n) => n.node_id).sort()).toEqual([1, 2, 3]);
    expect(active.nodes.map((n) => n.role)).toEqual(
      expect.arrayContaining([
        { Mixnode: { layer: 1 } },
        { Mixnode: { layer: 2 } },
        { Mixnode: { layer: 3 } },
      ]),
    );
    expect(active.nodes[0]).toMatchObject({ ip_addresses: ['127.0.0.1'], performance: '1', entry: null });
    expect(active.metadata.status).toMatchObject({ fresh: { id: 0, epochs_in_interval: 720 } });
    const entry = await fetchSkimmedNodes(base, '/entry-gateways');
    const rewarded = await fetchRewardedSet(base);
    expect([...rewarded.layer1, ...rewarded.layer2, ...rewarded.layer3].sort()).toEqual([1, 2, 3]);
    if (contractIds === null) {
      expect(entry.nodes).toEqual([]);
      expect(rewarded.entry_gateways).toEqual([]);
    } else {
      const id = contractIds.get(gwIdentity);
      expect(id).toBeGreaterThan(3); // one counter with the mix ids
      expect(entry.nodes).toEqual([
        expect.objectContaining({
          node_id: id,
          ed25519_identity_pubkey: gwIdentity,
          role: 'EntryGateway',
          entry: { hostname: 'localhost', ws_port: 3001, wss_port: null },
        }),
      ]);
      expect(entry.nodes[0].ip_addresses).toContain('127.0.0.1');
      expect(rewarded.entry_gateways).toEqual([id]);
    }
    const rotation = await fetchKeyRotationInfo(base);
    expect(rotation.key_rotation_state).toEqual({ validity_epochs: 24, initial_epoch_id: 0 });
  });

  it('drops an unbonded node within one poll and changes the ETag', async () => {
    const before = await getJson(url(1, '/v1/topology'));
    await operators[1].mixnet.unbondMixnode();
    await net.apis[1].cache.waitForRefresh();
    const active = await getJson(url(1, '/v1/mixnodes/active'));
    expect(active.body).toHaveLength(2);
    expect(active.body.map((d: any) => d.bond_information.owner)).not.toContain(operators[1].address);
    const after = await getJson(url(1, '/v1/topology'));
    expect(after.headers.get('etag')).not.toBe(before.headers.get('etag'));
    expect(after.body.mixnodes).toHaveLength(2);
  });

  it('serves /openapi.json, /health and /metrics', async () => {
    const doc = await getJson(url(0, '/openapi.json'));
    expect(doc.body.openapi).toBe('3.0.3');
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/mixnodes/active',
        '/v1/topology',
        BLIND_SIGN,
        VERIFY,
        '/v2/unstable/nym-nodes/skimmed/entry-gateways',
        '/v1/nym-nodes/rewarded-set',
        '/v1/epoch/key-rotation-info',
      ]),
    );
    const health = await getJson(url(0, '/health'));
    expect(health.body).toMatchObject({ status: 'ok', coconut: { index: 1 } });
    const metrics = await (await fetch(url(0, '/metrics'))).text();
    expect(metrics).toMatch(/nym_api_cache_refreshes_total\{outcome="ok"\} [1-9]/);
    expect(metrics).toMatch(
      /nym_api_http_requests_total\{route="\/v1\/topology",method="GET",status="200"\}/,
    );
    const missing = await getJson(url(0, '/v1/nope'));
    expect(missing).toMatchObject({ status: 404, body: { error: { code: 'not_found' } } });
  });
});

describe('credential issuance (3 instances, threshold 2)', () => {
  let client: SigningClients;
  const identity = secret('client-identity');
  const encryption = secret('client-encryption');
  let issued: Awaited<ReturnType<typeof obtainBandwidthCredential>>;
  let pending: PendingIssuance | undefined;

  beforeAll(async () => {
    client = await net.signer(5);
  });

  it('deposits, blind-signs at two instances, aggregates and verifies', async () => {
    issued = await obtainBandwidthCredential({
      bandwidth: client.bandwidth,
      apiUrls: net.apis.map((a) => a.url),
      threshold: 2,
      amount: 1000n,
      identityKey: identity,
      encryptionKey: encryption,
      backend,
      onDeposit: (p) => {
        pending = p;
      },
    });
    expect(issued.signers).toHaveLength(2);
    expect(pending?.depositTxHash).toBe(issued.depositTxHash);
    expect(issued.credential.value).toBe(1000n);
    expect(issued.credential.bandwidthBytes).toBe(1024_000n);

    // Any t keys aggregate to the same key, fetched by anyone.
    const vk = await fetchAggregatedVerificationKey({
      apiUrls: [net.apis[2].url, net.apis[1].url],
      threshold: 2,
      backend,
    });
    const c = codecsFor(backend).verificationKey;
    expect(c.toBase58(vk)).toBe(c.toBase58(issued.verificationKey));

    // Shown credential: verifies at every instance (even one that did not sign), not yet spent.
    const shown = issued.credential.proveBase58(vk, secureRandom);
    const credential = {
      n_params: 4,
      theta: shown.theta,
      voucher_value: shown.value,
      voucher_info: shown.info,
    };
    const v = await postJson(url(2, VERIFY), { credential });
    expect(v).toMatchObject({ status: 200, body: { verification_result: true, spent: false } });
    const wrongValue = await postJson(url(0, VERIFY), {
      credential: { ...credential, voucher_value: '1001' },
    });
    expect(wrongValue.body.verification_result).toBe(false);

    // A gateway spends it on chain; nym-api then reports it spent.
    const gw = await net.signer(6);
    await gw.bandwidth.spendCredential({
      funds: { denom: 'unym', amount: '1000' },
      blindedSerialNumber: v.body.blinded_serial_number,
    });
    const after = await postJson(url(0, VERIFY), { credential });
    expect(after.body).toMatchObject({ verification_result: true, spent: true });
  });

  it('answers the same request again with the same sealed share, and refuses another one (deposit_used_for_other_request), across a restart', async () => {
    const i = issued.signers[0] - 1;
    const params = voucherParameters(backend);
    const same = blindSignBody(
      BandwidthVoucher.fromJSON(params, pending!.voucher),
      issued.depositTxHash,
      identity,
    );
    const first = await postJson(url(i, BLIND_SIGN), same);
    expect(first.status).toBe(200);
    expect(openShare(first.body, encryption, issued.depositTxHash)).not.toBeNull();
    expect(await postJson(url(i, BLIND_SIGN), same)).toEqual(first);

    // A new voucher for the same deposit would be a second credential for one deposit.
    const other = BandwidthVoucher.create(params, 1000n, 'BandwidthVoucher', secureRandom);
    const r = await postJson(url(i, BLIND_SIGN), blindSignBody(other, issued.depositTxHash, identity));
    expect(r.status).toBe(409);
    expect(r.body.error).toMatchObject({
      code: 'deposit_used_for_other_request',
      tx_hash: issued.depositTxHash,
    });
    // The same request signed by another key is not the depositor's.
    const forged = await postJson(url(i, BLIND_SIGN), {
      ...same,
      signature: blindSignBody(other, issued.depositTxHash, secret('thief')).signature,
    });
    expect(forged).toMatchObject({ status: 403, body: { error: { code: 'invalid_deposit_signature' } } });

    // Durable: a restarted instance on the same home answers the same share and refuses the other.
    await net.apis[i].stop();
    net.apis[i] = createNymApi(net.configs[i], { logger: pino({ level: 'silent' }) });
    await net.apis[i].start();
    expect(await postJson(url(i, BLIND_SIGN), same)).toEqual(first);
    const again = await postJson(url(i, BLIND_SIGN), blindSignBody(other, issued.depositTxHash, identity));
    expect(again.body.error.code).toBe('deposit_used_for_other_request');
  });

  it("refuses someone else's deposit (invalid_deposit_signature)", async () => {
    // Another client takes the first client's deposit hash and signs with its own key.
    const unused = [1, 2, 3].find((x) => !issued.signers.includes(x))! - 1;
    const voucher = BandwidthVoucher.create(
      voucherParameters(backend),
      1000n,
      'BandwidthVoucher',
      secureRandom,
    );
    const r = await postJson(
      url(unused, BLIND_SIGN),
      blindSignBody(voucher, issued.depositTxHash, secret('thief')),
    );
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('invalid_deposit_signature');
  });

  it('refuses a forged request proof (invalid_blind_sign_request) without consuming the deposit', async () => {
    const params = voucherParameters(backend);
    const voucher = BandwidthVoucher.create(params, 500n, 'BandwidthVoucher', secureRandom);
    const dep = await client.bandwidth.depositFunds({
      amount: { denom: 'unym', amount: '500' },
      identityKey: base58.encode(ed25519.getPublicKey(identity)),
      encryptionKey: base58.encode(x25519.getPublicKey(encryption)),
    });
    const codec = codecsFor(backend).blindSignRequest;
    const req = voucher.request;
    const forged = codec.encode({
      ...req,
      proof: { ...req.proof, responseOpening: fr.add(req.proof.responseOpening, 1n) },
    });
    const good = blindSignBody(voucher, dep.txHash, identity);
    const body = {
      ...good,
      blind_sign_request: base58.encode(forged),
      signature: base58.encode(ed25519.sign(blindSignSignatureMessage(forged, dep.txHash), identity)),
    };
    const r = await postJson(url(0, BLIND_SIGN), body);
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('invalid_blind_sign_request');
    // The honest request for the same deposit still goes through.
    const ok = await postJson(url(0, BLIND_SIGN), good);
    expect(ok.status).toBe(200);
    expect(Object.keys(ok.body).sort()).toEqual(['encrypted_signature', 'remote_key']);
  });

  it('answers two concurrent identical requests for one deposit with one share', async () => {
    const voucher = BandwidthVoucher.create(voucherParameters(backend), 7n, 'BandwidthVoucher', secureRandom);
    const dep = await client.bandwidth.depositFunds({
      amount: { denom: 'unym', amount: '7' },
      identityKey: base58.encode(ed25519.getPublicKey(identity)),
      encryptionKey: base58.encode(x25519.getPublicKey(encryption)),
    });
    const body = blindSignBody(voucher, dep.txHash, identity);
    const rs = await Promise.all([postJson(url(2, BLIND_SIGN), body), postJson(url(2, BLIND_SIGN), body)]);
    expect(rs.map((r) => r.status)).toEqual([200, 200]);
    // Both signed; the first to record won and the other answered what it recorded.
    expect(rs[1].body).toEqual(rs[0].body);
  });

  it('refuses an oversized body (body_too_large) and other malformed input, each with its own code', async () => {
    const big = JSON.stringify({ blind_sign_request: 'x'.repeat(net.configs[0].http.maxBodyBytes + 1) });
    const r = await postJson(url(0, BLIND_SIGN), big);
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe('body_too_large');

    expect((await postJson(url(0, BLIND_SIGN), '{"a":')).body.error.code).toBe('malformed_json');
    expect((await postJson(url(0, BLIND_SIGN), '{}', 'text/plain')).status).toBe(415);
    const missingField = await postJson(url(0, BLIND_SIGN), { tx_hash: 'A'.repeat(64) });
    expect(missingField.body.error).toMatchObject({ code: 'invalid_request' });

    const voucher = BandwidthVoucher.create(
      voucherParameters(backend),
      1000n,
      'BandwidthVoucher',
      secureRandom,
    );
    const huge = blindSignBody(voucher, 'AB'.repeat(32), identity);
    huge.public_attributes_plain[0] = '18446744073709551616'; // u64 max + 1
    expect((await postJson(url(0, BLIND_SIGN), huge)).body.error).toMatchObject({
      code: 'invalid_request',
      field: 'public_attributes_plain[0]',
    });
    const noTx = await postJson(url(0, BLIND_SIGN), blindSignBody(voucher, 'AB'.repeat(32), identity));
    expect(noTx).toMatchObject({ status: 404, body: { error: { code: 'deposit_not_found' } } });

    // Claiming more than was deposited.
    const dep = await client.bandwidth.depositFunds({
      amount: { denom: 'unym', amount: '10' },
      identityKey: base58.encode(ed25519.getPublicKey(identity)),
      encryptionKey: base58.encode(x25519.getPublicKey(encryption)),
    });
    const greedy = await postJson(url(0, BLIND_SIGN), blindSignBody(voucher, dep.txHash, identity));
    expect(greedy).toMatchObject({ status: 400, body: { error: { code: 'deposit_value_mismatch' } } });

    // A tx that is not a deposit (the bond above).
    const gwTx = await (
      await net.signer(7)
    ).mixnet.bondGateway({
      gateway: gateway('gw-2', 3100),
      pledge: PLEDGE,
      proof: { identitySecretKey: secret('gw-2') },
    });
    const notDeposit = await postJson(url(0, BLIND_SIGN), blindSignBody(voucher, gwTx.txHash, identity));
    expect(notDeposit.body.error.code).toBe('not_a_deposit');

    // Public attributes that are not the hashes of the plain ones.
    const body = blindSignBody(voucher, dep.txHash, identity);
    body.public_attributes = [body.public_attributes[1], body.public_attributes[0]];
    const inconsistent = await postJson(url(0, BLIND_SIGN), body);
    expect(inconsistent.body.error.code).toBe('inconsistent_public_attributes');

    // The service is still healthy after all of it.
    expect((await getJson(url(0, '/health'))).status).toBe(200);
  });

  it('fails with NotEnoughSharesError when fewer than t instances can sign', async () => {
    await expect(
      obtainBandwidthCredential({
        bandwidth: client.bandwidth,
        apiUrls: [net.apis[0].url, 'http://127.0.0.1:1'],
        threshold: 2,
        amount: 5n,
        identityKey: identity,
        encryptionKey: encryption,
        backend,
        timeoutMs: 2000,
      }),
    ).rejects.toBeInstanceOf(NotEnoughSharesError);
  });
});

describe('request boundary', () => {
  it('answers any JSON or byte body with a typed 4xx and keeps serving', async () => {
    const fc = (await import('fast-check')).default;
    const routes = [BLIND_SIGN, VERIFY];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.oneof(
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b).toString('latin1')),
          fc
            .record({
              blind_sign_request: fc.string(),
              tx_hash: fc.string({
                unit: fc.constantFrom(...'0123456789ABCDEF'),
                minLength: 64,
                maxLength: 64,
              }),
              signature: fc.string(),
              public_attributes: fc.array(fc.string(), { maxLength: 3 }),
              public_attributes_plain: fc.array(fc.string(), { maxLength: 3 }),
              total_params: fc.integer(),
            })
            .map((v) => JSON.stringify(v)),
          // Well-shaped bodies with random contents reach the decoders and the chain lookup.
          fc
            .record({
              blind_sign_request: fc
                .uint8Array({ minLength: 1, maxLength: 600 })
                .map((b) => base58.encode(b)),
              tx_hash: fc.constant('AB'.repeat(32)),
              signature: fc.uint8Array({ minLength: 64, maxLength: 64 }).map((b) => base58.encode(b)),
              public_attributes: fc.array(
                fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => base58.encode(b)),
                { minLength: 2, maxLength: 2 },
              ),
              public_attributes_plain: fc.tuple(
                fc.bigInt({ min: 0n, max: 1n << 70n }).map(String),
                fc.string(),
              ),
              total_params: fc.constant(4),
            })
            .map((v) => JSON.stringify(v)),
        ),
        async (route, body) => {
          const r = await postJson(url(0, route), body);
          expect(r.status).toBeGreaterThanOrEqual(400);
          expect(r.status).toBeLessThan(500);
          expect(typeof r.body.error.code).toBe('string');
        },
      ),
      { numRuns: 150 },
    );
    expect((await getJson(url(0, '/health'))).body.status).toBe('ok');
  });
});

describe('OpenAPI document', () => {
  /** A small validator for the schema subset the document uses. */
  function check(doc: any, schema: any, value: unknown, path: string, errors: string[]): void {
    if (schema.$ref)
      return check(doc, doc.components.schemas[schema.$ref.split('/').pop()], value, path, errors);
    if (value === null) {
      if (!schema.nullable && (schema.type !== undefined || schema.allOf)) errors.push(`${path}: null`);
      return;
    }
    for (const s of schema.allOf ?? []) check(doc, s, value, path, errors);
    if (schema.anyOf) {
      const fits = schema.anyOf.some((s: unknown) => {
        const e: string[] = [];
        check(doc, s, value, path, e);
        return e.length === 0;
      });
      if (!fits) errors.push(`${path}: matches no anyOf branch`);
    }
    const t = Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value;
    if (schema.type && !(schema.type === t || (schema.type === 'number' && t === 'integer'))) {
      errors.push(`${path}: expected ${schema.type}, got ${t}`);
      return;
    }
    if (schema.enum && !schema.enum.includes(value)) errors.push(`${path}: not in enum`);
    if (t === 'array' && schema.items)
      (value as unknown[]).forEach((v, i) => check(doc, schema.items, v, `${path}[${i}]`, errors));
    if (t === 'object') {
      const o = value as Record<string, unknown>;
      for (const k of schema.required ?? []) if (!(k in o)) errors.push(`${path}.${k}: missing`);
      for (const [k, s] of Object.entries(schema.properties ?? {}))
        if (k in o) check(doc, s, o[k], `${path}.${k}`, errors);
    }
  }

  it('describes what the routes actually answer', async () => {
    const doc = (await getJson(url(0, '/openapi.json'))).body;
    const errors: string[] = [];
    for (const path of [
      '/v1/mixnodes',
      '/v1/mixnodes/detailed',
      '/v1/mixnodes/active',
      '/v1/mixnodes/rewarded',
      '/v1/gateways',
      '/v1/epoch/current',
      '/v1/topology',
      '/v1/coconut/verification-key',
      '/health',
      '/v2/unstable/nym-nodes/skimmed',
      '/v2/unstable/nym-nodes/skimmed/mixnodes/active',
      '/v2/unstable/nym-nodes/skimmed/mixnodes/all',
      '/v2/unstable/nym-nodes/skimmed/entry-gateways',
      '/v2/unstable/nym-nodes/skimmed/exit-gateways',
      '/v1/nym-nodes/rewarded-set',
      '/v1/epoch/key-rotation-info',
    ]) {
      const r = await getJson(url(0, path));
      expect(r.status).toBe(200);
      const schema = doc.paths[path].get.responses['200'].content['application/json'].schema;
      check(doc, schema, r.body, path, errors);
    }
    const refused = await postJson(url(0, BLIND_SIGN), { tx_hash: 'x' });
    check(
      doc,
      doc.paths[BLIND_SIGN].post.responses['400'].content['application/json'].schema,
      refused.body,
      'error',
      errors,
    );
    // And a check that can fail: a node missing a field and a wrong role are caught.
    const wrong: string[] = [];
    const skimmed = (await getJson(url(0, '/v2/unstable/nym-nodes/skimmed/mixnodes/active'))).body;
    delete skimmed.nodes.data[0].mix_port;
    skimmed.nodes.data[1].role = { Mixnode: { layer: 4 } };
    check(
      doc,
      doc.paths['/v2/unstable/nym-nodes/skimmed/mixnodes/active'].get.responses['200'].content[
        'application/json'
      ].schema,
      skimmed,
      'skimmed',
      wrong,
    );
    expect(wrong).toEqual([
      'skimmed.nodes.data[0].mix_port: missing',
      'skimmed.nodes.data[1].role: matches no anyOf branch',
    ]);
    expect(errors).toEqual([]);
    // The topology checks above ran over real nodes, so the schemas were exercised.
    expect((await getJson(url(0, '/v1/topology'))).body.mixnodes.length).toBeGreaterThan(0);
  });
});

/**
 * A gateway's client ports in its signed announcement (Nym's self-described
 * `mixnet_websockets`): the v1 and v2 signed messages byte for byte, v2 covering the ports
 * and v1 still taken; nym-api's checks of the ports against the bond, each refusal typed;
 * the ports kept across a restart and shown beside the bond and in Nym's skimmed entry.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { base58 } from '@scure/base';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import {
  announcementVersion,
  signSphinxKeys,
  sphinxKeysSignedMessage,
  verifySphinxKeys,
  withoutWebsockets,
  type SphinxKeysAnnouncement,
} from '../../src/api-client/sphinx-keys.js';
import {
  bondedNode,
  NotAGatewayError,
  SphinxKeyRegistry,
  UnsignedWebsocketsError,
  withRotationKeys,
  WsPortMismatchError,
  WssPortClashError,
  type BondedNode,
} from '../../src/api/sphinx-keys.js';
import { buildNymBodies, DEFAULT_KEY_ROTATION_VALIDITY_EPOCHS } from '../../src/api/nym-nodes.js';
import { InvalidRequestError, type NymApiError } from '../../src/api/errors.js';
import { announceTo } from '../../src/node/node-config.js';
import { generateNodeKeys } from '../../src/node/keys.js';
import type { GatewayBond, Interval, MixNodeDetails } from '../../src/contracts/index.js';

const random = (n: number) => new Uint8Array(crypto.randomBytes(n));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nymph-wss-announce-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const NOW = 1_800_000_000;
const CLIENTS_PORT = 9000;
const MIX_PORT = 1789;

function node() {
  const identitySecret = random(32);
  const identityPublic = ed25519.getPublicKey(identitySecret);
  return { identitySecret, identityPublic, id: base58.encode(identityPublic) };
}

/** The bonds nym-api checks against: `gw` a gateway on the usual ports, `mix` a mix node. */
function bonds(gw: string, mix?: string) {
  return (id: string): BondedNode | undefined =>
    id === gw
      ? { kind: 'gateway', clientsPort: CLIENTS_PORT, mixPort: MIX_PORT }
      : id === mix
        ? { kind: 'mixnode' }
        : undefined;
}

function announce(
  n: ReturnType<typeof node>,
  websockets?: { wsPort: number; wssPort: number | null },
  timestampSecs = NOW,
): SphinxKeysAnnouncement {
  const primary = { rotationId: 5, publicKey: x25519.getPublicKey(random(32)) };
  return signSphinxKeys({ ...n, primary, timestampSecs, websockets });
}

/** The typed error `f` throws (the test fails if it throws none). */
function thrown(f: () => unknown): NymApiError {
  try {
    f();
  } catch (e) {
    return e as NymApiError;
  }
  throw new Error('expected a refusal');
}

describe('the signed announcement, v1 and v2', () => {
  it('signs v1 without ports and v2 with them, over the documented bytes', () => {
    const n = node();
    const k = base58.encode(new Uint8Array(32).fill(7));
    const unsigned = {
      identity_key: n.id,
      primary_x25519_sphinx_key: { rotation_id: 5, public_key: k },
      pre_announced_x25519_sphinx_key: null,
      timestamp: NOW,
    };
    const text = (m: Uint8Array) => new TextDecoder().decode(m);
    expect(text(sphinxKeysSignedMessage(unsigned))).toBe(
      `nymph-sphinx-keys-v1\n["${n.id}",5,"${k}",null,null,${NOW}]`,
    );
    expect(
      text(sphinxKeysSignedMessage({ ...unsigned, mixnet_websockets: { ws_port: 9000, wss_port: 9001 } })),
    ).toBe(`nymph-sphinx-keys-v2\n["${n.id}",5,"${k}",null,null,${NOW},9000,9001]`);
    expect(
      text(sphinxKeysSignedMessage({ ...unsigned, mixnet_websockets: { ws_port: 9000, wss_port: null } })),
    ).toBe(`nymph-sphinx-keys-v2\n["${n.id}",5,"${k}",null,null,${NOW},9000,null]`);

    const v1 = announce(n);
    const v2 = announce(n, { wsPort: 9000, wssPort: 9001 });
    expect([announcementVersion(v1), announcementVersion(v2)]).toEqual([1, 2]);
    expect(v1).not.toHaveProperty('mixnet_websockets');
    expect(v2.mixnet_websockets).toEqual({ ws_port: 9000, wss_port: 9001 });
    expect([verifySphinxKeys(v1), verifySphinxKeys(v2)]).toEqual([true, true]);
    // the ports are covered: changing, adding or removing them breaks the signature
    expect(verifySphinxKeys({ ...v2, mixnet_websockets: { ws_port: 9000, wss_port: 9443 } })).toBe(false);
    expect(verifySphinxKeys({ ...v1, mixnet_websockets: { ws_port: 9000, wss_port: 9001 } })).toBe(false);
    expect(verifySphinxKeys(withoutWebsockets(v2))).toBe(false);
  });
});

describe("nym-api's record of a gateway's ports", () => {
  it('takes v2 from a gateway, keeps it across a restart, and a v1 after it clears it', () => {
    const gw = node();
    const file = path.join(dir, 'keys.json');
    const reg = new SphinxKeyRegistry(file);
    const v2 = announce(gw, { wsPort: CLIENTS_PORT, wssPort: 9001 });
    expect(reg.accept(v2, bonds(gw.id), NOW)).toBe(true);
    expect(reg.accept(v2, bonds(gw.id), NOW)).toBe(false);
    expect(reg.websocketsOf(gw.id)).toEqual({ ws_port: CLIENTS_PORT, wss_port: 9001 });
    const restarted = new SphinxKeyRegistry(file);
    expect(restarted.websocketsOf(gw.id)).toEqual({ ws_port: CLIENTS_PORT, wss_port: 9001 });
    expect(restarted.keyFor(gw.id, 5)).toBe(v2.primary_x25519_sphinx_key.public_key);

    // the same keys with wss turned off is a change; a v1 announcement says no ports at all
    const before = restarted.version;
    const offSigned = signSphinxKeys({
      ...gw,
      primary: { rotationId: 5, publicKey: base58.decode(v2.primary_x25519_sphinx_key.public_key) },
      timestampSecs: NOW + 1,
      websockets: { wsPort: CLIENTS_PORT, wssPort: null },
    });
    expect(restarted.accept(offSigned, bonds(gw.id), NOW)).toBe(true);
    expect(restarted.version).toBe(before + 1);
    expect(restarted.websocketsOf(gw.id)).toEqual({ ws_port: CLIENTS_PORT, wss_port: null });
    expect(restarted.accept(announce(gw, undefined, NOW + 2), bonds(gw.id), NOW)).toBe(true);
    expect(restarted.websocketsOf(gw.id)).toBeUndefined();
  });

  it('reads a file written before v2 (no ports) as keys without ports', () => {
    const gw = node();
    const file = path.join(dir, 'old.json');
    const k = base58.encode(new Uint8Array(32).fill(3));
    fs.writeFileSync(
      file,
      JSON.stringify({
        [gw.id]: { primary: { rotation_id: 1, public_key: k }, preAnnounced: null, timestamp: NOW },
      }),
    );
    const reg = new SphinxKeyRegistry(file);
    expect(reg.keyFor(gw.id, 1)).toBe(k);
    expect(reg.websocketsOf(gw.id)).toBeUndefined();
  });

  it('refuses ports not covered by the signature, from a mix node, off the bond or out of range, typed', () => {
    const gw = node();
    const mix = node();
    const reg = new SphinxKeyRegistry();
    const bondOf = bonds(gw.id, mix.id);

    // a v1 signature with ports added after signing
    const v1 = announce(gw);
    const added = { ...v1, mixnet_websockets: { ws_port: CLIENTS_PORT, wss_port: 9001 } };
    const unsigned = thrown(() => reg.accept(added, bondOf, NOW));
    expect(unsigned).toBeInstanceOf(UnsignedWebsocketsError);
    expect([unsigned.code, unsigned.status]).toEqual(['unsigned_websockets', 400]);
    // a v2 whose ports were changed is simply not signed
    const v2 = announce(gw, { wsPort: CLIENTS_PORT, wssPort: 9001 });
    const forged = thrown(() =>
      reg.accept({ ...v2, mixnet_websockets: { ws_port: CLIENTS_PORT, wss_port: 443 } }, bondOf, NOW),
    );
    expect([forged.code, forged.status]).toEqual(['bad_signature', 401]);

    const fromMix = thrown(() => reg.accept(announce(mix, { wsPort: 9000, wssPort: 9001 }), bondOf, NOW));
    expect(fromMix).toBeInstanceOf(NotAGatewayError);
    expect([fromMix.code, fromMix.status]).toEqual(['not_a_gateway', 400]);

    const mismatch = thrown(() => reg.accept(announce(gw, { wsPort: 9100, wssPort: 9001 }), bondOf, NOW));
    expect(mismatch).toBeInstanceOf(WsPortMismatchError);
    expect([mismatch.code, mismatch.status]).toEqual(['ws_port_mismatch', 400]);
    expect(mismatch.details()).toEqual({ ws_port: 9100, clients_port: CLIENTS_PORT });

    for (const [wss, port] of [
      [CLIENTS_PORT, 'clients_port'],
      [MIX_PORT, 'mix_port'],
    ] as const) {
      const clash = thrown(() =>
        reg.accept(announce(gw, { wsPort: CLIENTS_PORT, wssPort: wss }), bondOf, NOW),
      );
      expect(clash).toBeInstanceOf(WssPortClashError);
      expect([clash.code, clash.status, clash.details().clashes_with]).toEqual(['wss_port_clash', 400, port]);
    }

    // out of range: refused by the schema before any signature is checked
    for (const wss of [0, 65_536, -1, 9001.5, '9001']) {
      const body = { ...v2, mixnet_websockets: { ws_port: CLIENTS_PORT, wss_port: wss } };
      const e = thrown(() => reg.accept(body, bondOf, NOW));
      expect(e).toBeInstanceOf(InvalidRequestError);
      expect([e.code, e.status, (e as InvalidRequestError).field]).toEqual([
        'invalid_request',
        400,
        'mixnet_websockets.wss_port',
      ]);
    }
    const noWs = thrown(() => reg.accept({ ...v2, mixnet_websockets: { wss_port: 9001 } }, bondOf, NOW));
    expect((noWs as InvalidRequestError).field).toBe('mixnet_websockets.ws_port');
    const nullWs = thrown(() => reg.accept({ ...v2, mixnet_websockets: null }, bondOf, NOW));
    expect((nullWs as InvalidRequestError).field).toBe('mixnet_websockets');

    // nothing refused was recorded
    expect(reg.size).toBe(0);
    expect(reg.accept(v2, bondOf, NOW)).toBe(true);
  });
});

describe('the ports in the topology', () => {
  const interval: Interval = {
    id: 0,
    epochs_in_interval: 720,
    current_epoch_start: '2026-01-01T00:00:00Z',
    current_epoch_id: 3,
    epoch_length: { secs: 3600, nanos: 0 },
    total_elapsed_epochs: 3,
  };
  const gwBond = (id: string, host: string, clientsPort = CLIENTS_PORT): GatewayBond =>
    ({
      owner: 'n1owner',
      gateway: {
        host,
        mix_port: MIX_PORT,
        clients_port: clientsPort,
        location: 'here',
        sphinx_key: base58.encode(new Uint8Array(32).fill(1)),
        identity_key: id,
        version: '0.1.0',
      },
      pledge_amount: { denom: 'unym', amount: '1' },
      block_height: 1,
      proxy: null,
    }) as GatewayBond;

  it('puts the announced ports beside the bond while they agree with it, and wss_port in the skimmed entry', () => {
    const [a, b, c, d] = [node().id, node().id, node().id, node().id];
    const announced: Record<string, { ws_port: number; wss_port: number | null }> = {
      [a]: { ws_port: CLIENTS_PORT, wss_port: 9001 },
      [b]: { ws_port: CLIENTS_PORT, wss_port: 9443 },
      [d]: { ws_port: CLIENTS_PORT, wss_port: 9001 },
    };
    // b re-bonded on another clients port since it announced: its old ports are not shown;
    // c announced none; d is bonded by IP address
    const r = withRotationKeys(
      [],
      [
        gwBond(a, 'gw.example'),
        gwBond(b, '127.0.0.2', 9100),
        // ports that came with the bond, not from the gateway's signature, are not shown
        {
          ...gwBond(c, '127.0.0.3'),
          mixnet_websockets: { ws_port: CLIENTS_PORT, wss_port: 9001 },
        } as GatewayBond,
        gwBond(d, '127.0.0.4'),
      ],
      0,
      () => undefined,
      (id) => announced[id],
    );
    expect(r.gateways.map((g) => g.mixnet_websockets)).toEqual([
      { ws_port: CLIENTS_PORT, wss_port: 9001 },
      undefined,
      undefined,
      { ws_port: CLIENTS_PORT, wss_port: 9001 },
    ]);
    const bodies = buildNymBodies([], r.gateways, new Map(), interval, Date.parse('2026-01-01T00:10:00Z'), {
      gatewayIds: new Map([a, b, c, d].map((id, i) => [id, 10 + i])),
      addresses: new Map([['gw.example', ['192.0.2.7']]]),
      keyRotationValidityEpochs: DEFAULT_KEY_ROTATION_VALIDITY_EPOCHS,
    });
    const entries = bodies.listings.entry_gateways.map((j) => (JSON.parse(j) as { entry: unknown }).entry);
    // d offers wss but has no hostname: Nym's clients reach it over ws (ws_entry_address_tls)
    expect(entries).toEqual([
      { hostname: 'gw.example', ws_port: CLIENTS_PORT, wss_port: 9001 },
      { hostname: null, ws_port: 9100, wss_port: null },
      { hostname: null, ws_port: CLIENTS_PORT, wss_port: null },
      { hostname: null, ws_port: CLIENTS_PORT, wss_port: 9001 },
    ]);
  });

  it('looks up bonds by identity: a gateway with its ports, a mix node, or none', () => {
    const g = gwBond('G', '127.0.0.1');
    const m = { bond_information: { mix_node: { identity_key: 'M' } } } as unknown as MixNodeDetails;
    const snap = { mixnodes: [m], gateways: [g] };
    expect(bondedNode(snap, 'G')).toEqual({ kind: 'gateway', clientsPort: CLIENTS_PORT, mixPort: MIX_PORT });
    expect(bondedNode(snap, 'M')).toEqual({ kind: 'mixnode' });
    expect(bondedNode(snap, 'X')).toBeUndefined();
    expect(bondedNode(null, 'G')).toBeUndefined();
  });
});

describe("a gateway's announcements", () => {
  const posts: SphinxKeysAnnouncement[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      posts.push(JSON.parse(body) as SphinxKeysAnnouncement);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ accepted: true, changed: true }));
    });
  });
  afterAll(() => server.close());

  it('are signed v2 with the ports, and sent again when only the ports change', async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const send = announceTo([url], generateNodeKeys(), 2_000);
    const signal = new AbortController().signal;
    const primary = { rotationId: 1, publicKey: new Uint8Array(32).fill(1) };
    await send({ primary, websockets: { wsPort: 9000, wssPort: 9001 } }, signal);
    await send({ primary, websockets: { wsPort: 9000, wssPort: 9001 } }, signal); // taken: not sent
    await send({ primary, websockets: { wsPort: 9000, wssPort: null } }, signal); // wss off: sent
    await send({ primary }, signal); // a mix node's: v1
    expect(posts.map((p) => p.mixnet_websockets)).toEqual([
      { ws_port: 9000, wss_port: 9001 },
      { ws_port: 9000, wss_port: null },
      undefined,
    ]);
    expect(posts.map((p) => [announcementVersion(p), verifySphinxKeys(p)])).toEqual([
      [2, true],
      [2, true],
      [1, true],
    ]);
  });
});

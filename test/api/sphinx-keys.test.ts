/**
 * nym-api's record of the nodes' rotating Sphinx keys: signed announcements from bonded
 * nodes only, never an older one over a newer one, kept across a restart, and the key of
 * the current rotation in the topology's bonds (Nym's current_sphinx_key).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { base58 } from '@scure/base';
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import { signSphinxKeys } from '../../src/api-client/sphinx-keys.js';
import {
  AnnouncementSignatureError,
  SphinxKeyRegistry,
  StaleAnnouncementError,
  UnknownNodeError,
  withRotationKeys,
  type BondedNode,
} from '../../src/api/sphinx-keys.js';
import { InvalidRequestError } from '../../src/api/errors.js';
import type { GatewayBond, MixNodeDetails } from '../../src/contracts/index.js';

const random = (n: number) => new Uint8Array(crypto.randomBytes(n));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nymph-sphinx-keys-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function node() {
  const identitySecret = random(32);
  const identityPublic = ed25519.getPublicKey(identitySecret);
  const key = () => x25519.getPublicKey(random(32));
  return { identitySecret, identityPublic, id: base58.encode(identityPublic), key };
}

const NOW = 1_800_000_000;

describe('sphinx key announcements', () => {
  it('takes signed keys of bonded nodes and answers the key of each rotation', () => {
    const n = node();
    const k5 = n.key();
    const k6 = n.key();
    const file = path.join(dir, 'keys.json');
    const reg = new SphinxKeyRegistry(file);
    const bonded = (id: string): BondedNode | undefined => (id === n.id ? { kind: 'mixnode' } : undefined);
    const a = signSphinxKeys({
      ...n,
      primary: { rotationId: 5, publicKey: k5 },
      preAnnounced: { rotationId: 6, publicKey: k6 },
      timestampSecs: NOW,
    });
    expect(reg.accept(a, bonded, NOW)).toBe(true);
    expect(reg.accept(a, bonded, NOW)).toBe(false); // the same again changes nothing
    expect(reg.keyFor(n.id, 5)).toBe(base58.encode(k5));
    expect(reg.keyFor(n.id, 6)).toBe(base58.encode(k6));
    expect(reg.keyFor(node().id, 5)).toBeUndefined();
    // kept across a restart
    expect(new SphinxKeyRegistry(file).keyFor(n.id, 6)).toBe(base58.encode(k6));
  });

  it('refuses unknown nodes, bad signatures, stale and malformed announcements with typed errors', () => {
    const n = node();
    const reg = new SphinxKeyRegistry();
    const bonded = (id: string): BondedNode | undefined => (id === n.id ? { kind: 'mixnode' } : undefined);
    const at = (rotationId: number, timestampSecs: number) =>
      signSphinxKeys({ ...n, primary: { rotationId, publicKey: n.key() }, timestampSecs });
    const stranger = node();
    expect(() =>
      reg.accept(
        signSphinxKeys({
          ...stranger,
          primary: { rotationId: 1, publicKey: stranger.key() },
          timestampSecs: NOW,
        }),
        bonded,
        NOW,
      ),
    ).toThrow(UnknownNodeError);
    const forged = {
      ...at(2, NOW),
      primary_x25519_sphinx_key: { rotation_id: 2, public_key: base58.encode(n.key()) },
    };
    expect(() => reg.accept(forged, bonded, NOW)).toThrow(AnnouncementSignatureError);
    expect(() => reg.accept(at(2, NOW - 3600), bonded, NOW)).toThrow(StaleAnnouncementError);
    expect(reg.accept(at(3, NOW), bonded, NOW)).toBe(true);
    // an older rotation's primary, even freshly signed, and an older timestamp are refused
    try {
      reg.accept(at(2, NOW + 1), bonded, NOW);
      expect.unreachable();
    } catch (e) {
      expect((e as StaleAnnouncementError).code).toBe('stale_announcement');
    }
    expect(() => reg.accept(at(3, NOW - 1), bonded, NOW)).toThrow(StaleAnnouncementError);
    expect(() => reg.accept({ identity_key: n.id }, bonded, NOW)).toThrow(InvalidRequestError);
  });

  it("puts each node's key of the rotation into the bonds, the bonded key where none was announced", () => {
    const mix = (id: string, key: string) =>
      ({
        bond_information: { mix_node: { identity_key: id, sphinx_key: key } },
      }) as unknown as MixNodeDetails;
    const gw = (id: string, key: string) =>
      ({ gateway: { identity_key: id, sphinx_key: key } }) as unknown as GatewayBond;
    const keys: Record<string, string> = { m1: 'K1', g1: 'G1' };
    const r = withRotationKeys([mix('m1', 'B1'), mix('m2', 'B2')], [gw('g1', 'BG')], 7, (id) => keys[id]);
    expect(r.mixnodes.map((d) => d.bond_information.mix_node.sphinx_key)).toEqual(['K1', 'B2']);
    expect(r.gateways[0].gateway.sphinx_key).toBe('G1');
  });
});

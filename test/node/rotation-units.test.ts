/**
 * The parts of key rotation alone: filter sizing (the numbers), per-rotation replay
 * filters on disk, the schedule's decisions, and the rotating key files.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bloomSizing, falsePositiveRate, ReplayFilters } from '../../src/node/replay-store.js';
import { ReplayFilterFileError, SphinxKeyFileError, BadFrameError } from '../../src/node/errors.js';
import {
  localRotationInfo,
  nextRotationAction,
  scheduleFromInfo,
  type RotationSchedule,
} from '../../src/node/rotation-schedule.js';
import {
  decodeRotationKey,
  SphinxKeyStore,
  PRIMARY_FILE,
  SECONDARY_FILE,
} from '../../src/node/sphinx-keys.js';
import { FrameDecoder } from '../../src/node/framing.js';
import { NodeConfigError } from '../../src/node/errors.js';

const random = (n: number) => new Uint8Array(crypto.randomBytes(n));
const temps: string[] = [];
const temp = (p: string) => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `nymph-${p}-`));
  temps.push(d);
  return d;
};
afterAll(() => temps.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe('replay filter sizing', () => {
  it("sizes Nym's default (200 packets/s, 24 h + 1 h, 1e-5) and localnet's, under the target rate", () => {
    const nym = bloomSizing({ packetsPerSecond: 200, lifetimeMs: 25 * 3600_000, falsePositiveRate: 1e-5 });
    expect(nym.items).toBe(20_160_000);
    expect(nym.bits).toBe(2 ** 30); // 128 MiB
    expect(nym.hashes).toBe(8);
    expect(nym.expectedFalsePositiveRate).toBeLessThanOrEqual(1e-5);
    // the old fixed 2^22-bit localnet filter at this many tags took most fresh packets for replays
    expect(falsePositiveRate(2 ** 22, 8, nym.items)).toBeGreaterThan(0.99);
    // localnet: 20 packets/s, 24 h rotations
    const local = bloomSizing({ packetsPerSecond: 20, lifetimeMs: 25 * 3600_000, falsePositiveRate: 1e-5 });
    expect(local.bits).toBe(2 ** 26);
    expect(local.expectedFalsePositiveRate).toBeLessThanOrEqual(1e-5);
    // the issue's load: 40 packets/s for a 1 h rotation (+1 h overlap)
    const issue = bloomSizing({ packetsPerSecond: 40, lifetimeMs: 2 * 3600_000, falsePositiveRate: 1e-5 });
    expect(issue.items).toBe(322_560);
    expect(issue.expectedFalsePositiveRate).toBeLessThanOrEqual(1e-5);
  });

  it('refuses a false-positive rate outside (0, 1)', () => {
    expect(() => bloomSizing({ packetsPerSecond: 1, lifetimeMs: 1000, falsePositiveRate: 0 })).toThrow(
      RangeError,
    );
    expect(() => bloomSizing({ packetsPerSecond: 1, lifetimeMs: 1000, falsePositiveRate: 1 })).toThrow(
      RangeError,
    );
  });

  it('keeps false positives under the target when filled to its sizing', () => {
    const size = bloomSizing({ packetsPerSecond: 1000, lifetimeMs: 500_000, falsePositiveRate: 1e-3 });
    const f = new ReplayFilters({ dir: temp('fp') });
    f.open(1, size);
    const tag = new Uint8Array(32);
    for (let i = 0; i < size.items; i++) f.check(1, crypto.randomFillSync(tag));
    let fp = 0;
    // probes are recorded too: few enough not to overfill the filter (+3.6%)
    const probes = 20_000;
    for (let i = 0; i < probes; i++) if (!f.check(1, crypto.randomFillSync(tag))) fp++;
    expect(fp / probes).toBeLessThan(2.5e-3);
    f.close();
  });
});

describe('per-rotation replay filters', () => {
  const size = { bits: 2 ** 16, hashes: 8 };

  it('keeps tags apart per rotation, survives a reopen, and deletes a purged rotation', () => {
    const dir = temp('filters');
    let f = new ReplayFilters({ dir });
    f.open(4, size);
    f.open(5, size);
    const tags = Array.from({ length: 300 }, () => random(32));
    for (const t of tags) expect(f.check(4, t)).toBe(true);
    for (const t of tags.slice(0, 10)) expect(f.check(4, t)).toBe(false);
    // a tag seen under rotation 4 is new under rotation 5 (another key)
    expect(f.check(5, tags[0])).toBe(true);
    // no filter: no key, refused
    expect(f.check(9, random(32))).toBe(false);
    f.close();
    // a torn record (crash mid-write) is dropped
    fs.appendFileSync(path.join(dir, 'rot-4.tags'), Buffer.alloc(7));
    f = new ReplayFilters({ dir });
    f.open(4, size);
    f.open(5, size);
    expect(f.count(4)).toBe(300);
    for (const t of tags) expect(f.check(4, t)).toBe(false);
    f.snapshot(true);
    expect(fs.statSync(path.join(dir, 'rot-4.tags')).size).toBe(0);
    f.purge(4);
    expect(fs.readdirSync(dir).sort()).toEqual(['rot-5.bloom', 'rot-5.tags']);
    f.close();
    // from the snapshot alone
    f = new ReplayFilters({ dir });
    f.open(5, size);
    expect(f.check(5, tags[0])).toBe(false);
    f.removeOthers([]);
    expect(fs.readdirSync(dir)).toEqual([]);
    f.close();
  });

  it('writes a snapshot once the journal reaches a quarter of the bitmap', () => {
    const dir = temp('snap');
    const f = new ReplayFilters({ dir });
    f.open(1, { bits: 2 ** 12, hashes: 4 }); // 512-byte bitmap: snapshot after 4 tags
    for (let i = 0; i < 3; i++) f.check(1, random(32));
    f.snapshot();
    expect(fs.existsSync(path.join(dir, 'rot-1.bloom'))).toBe(false);
    f.check(1, random(32));
    f.snapshot();
    expect(fs.statSync(path.join(dir, 'rot-1.bloom')).size).toBe(32 + 512);
    expect(fs.statSync(path.join(dir, 'rot-1.tags')).size).toBe(0);
    f.close();
  });

  it('refuses a snapshot that is not its own with a typed error', () => {
    const dir = temp('badsnap');
    fs.writeFileSync(path.join(dir, 'rot-2.bloom'), Buffer.alloc(100));
    const f = new ReplayFilters({ dir });
    expect(() => f.open(2, size)).toThrow(ReplayFilterFileError);
    // a snapshot of another rotation under this name
    const g = new ReplayFilters({ dir: temp('badsnap2') });
    g.open(3, size);
    g.snapshot(true);
    g.close();
    const other = fs.readFileSync(path.join(g.fileOf(3, 'bloom')));
    fs.writeFileSync(path.join(dir, 'rot-2.bloom'), other);
    try {
      f.open(2, size);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ReplayFilterFileError);
      expect((e as ReplayFilterFileError).code).toBe('replay_filter_file');
      expect((e as Error).message).toMatch(/holds rotation 3/);
    }
  });
});

describe('rotation schedule', () => {
  const at = (epochMs: number, validity: number, epoch: number, intoMs = 10) => {
    const origin = 1_000_000;
    const now = origin + epoch * epochMs + intoMs;
    return {
      s: scheduleFromInfo(localRotationInfo({ epochMs, validityEpochs: validity, originMs: origin }, now)),
      now,
    };
  };

  it("follows Nym's steps: pre-announce a rotation's last epoch, swap at its end, purge after the overlap", () => {
    // 24 epochs of 1 h, as Nym; epoch 30 is in rotation 1 (epochs 24..47)
    const H = 3600_000;
    const { s, now } = at(H, 24, 30);
    const start = (e: number) => s.currentEpochStartMs + (e - s.currentEpoch) * H;
    expect(nextRotationAction(s, { primary: 1 }, now)).toEqual({
      kind: 'pre_announce',
      rotation: 2,
      atMs: start(47),
    });
    expect(nextRotationAction(s, { primary: 1, secondary: 2 }, now)).toEqual({
      kind: 'swap',
      rotation: 2,
      atMs: start(48),
    });
    expect(nextRotationAction(s, { primary: 1, secondary: 0 }, now)).toEqual({
      kind: 'purge',
      atMs: start(25),
    });
    // an older key goes at once; a stale primary gets a key for now
    const later = at(H, 24, 80); // rotation 3
    expect(nextRotationAction(later.s, { primary: 3, secondary: 1 }, later.now)).toEqual({
      kind: 'purge',
      atMs: later.now,
    });
    expect(nextRotationAction(s, { primary: 0 }, now)).toEqual({
      kind: 'pre_announce',
      rotation: 1,
      atMs: now,
    });
    expect(nextRotationAction(s, { primary: 0, secondary: 1 }, now)).toEqual({
      kind: 'swap',
      rotation: 1,
      atMs: now,
    });
  });

  it('waits when the chain has not advanced the epoch, or the boundary is too close', () => {
    const H = 3600_000;
    const { s } = at(H, 24, 30);
    // 10% into the next epoch with no advance: wait a little (clocks apart)
    const lagging: RotationSchedule = { ...s, currentEpoch: 47, currentEpochStartMs: s.currentEpochStartMs };
    expect(nextRotationAction(lagging, { primary: 1 }, s.currentEpochStartMs + H + H / 10).kind).toBe('wait');
    // stuck: more than 20% into the following epoch
    expect(nextRotationAction(s, { primary: 1 }, s.currentEpochStartMs + 1.5 * H).kind).toBe('wait');
    // 10 s before the boundary: wait for it
    const near = at(H, 24, 47, H - 10_000);
    expect(nextRotationAction(near.s, { primary: 1 }, near.now)).toEqual({
      kind: 'wait',
      atMs: near.s.currentEpochStartMs + H,
    });
  });

  it('refuses rotations shorter than two epochs with a typed error', () => {
    const info = localRotationInfo({ epochMs: 1000, validityEpochs: 1, originMs: 0 }, 5000);
    expect(() => scheduleFromInfo(info)).toThrow(NodeConfigError);
  });
});

describe('rotating key files', () => {
  it("stores Nym's 36-byte keys, completes a missed swap, and moves on after a long downtime", () => {
    const home = temp('keys');
    const initial = random(32);
    let store = SphinxKeyStore.open(home, 3, initial, random);
    expect(store.primary.rotationId).toBe(3);
    expect(store.primary.secret).toEqual(initial);
    const next = store.generate(4);
    expect(store.preAnnounced?.rotationId).toBe(4);
    // crash before the swap; restart in rotation 4: the swap is completed on load
    store = SphinxKeyStore.open(home, 4, random(32), random);
    expect(store.primary.publicKey).toEqual(next.publicKey);
    expect(store.secondary?.rotationId).toBe(3);
    store.removeSecondary();
    expect(fs.existsSync(path.join(home, 'keys', SECONDARY_FILE))).toBe(false);
    // down for rotations 5 and 6: a key for 7 is made at once, 4's kept as secondary to swap out
    store = SphinxKeyStore.open(home, 7, random(32), random);
    expect(store.primary.rotationId).toBe(4);
    expect(store.secondary?.rotationId).toBe(7);
    store.rotate(7);
    expect(store.primary.rotationId).toBe(7);
    expect(decodeRotationKey(fs.readFileSync(path.join(home, 'keys', PRIMARY_FILE), 'utf8')).rotationId).toBe(
      7,
    );
  });

  it('refuses a key file of the wrong size with a typed error', () => {
    const home = temp('badkey');
    SphinxKeyStore.open(home, 0, random(32), random);
    fs.writeFileSync(path.join(home, 'keys', PRIMARY_FILE), 'abc');
    try {
      SphinxKeyStore.open(home, 0, random(32), random);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(SphinxKeyFileError);
      expect((e as SphinxKeyFileError).code).toBe('sphinx_key_file');
    }
  });
});

describe('frame key-rotation marker', () => {
  it('refuses a marker above 2 as a bad frame', () => {
    const d = new FrameDecoder(() => {});
    const frame = new Uint8Array(4 + 386);
    frame.set([1, 2, 0, 3]);
    try {
      d.push(frame);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(BadFrameError);
      expect((e as BadFrameError).field).toBe('keyRotation');
    }
  });
});

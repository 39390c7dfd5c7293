import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  codecsFor,
  loadBackend,
  verifyVoucherCredential,
  voucherParameters,
  InvalidCredentialError,
  type BackendName,
} from '../../src/coconut/index.js';
import { runVectorFlow, type CoconutVector } from './vector-flow.js';

const vector = JSON.parse(
  readFileSync(new URL('../vectors/coconut-voucher.json', import.meta.url), 'utf8'),
) as CoconutVector & { description: string };

describe.each<BackendName>(['noble', 'mcl'])('coconut vectors on %s', (name) => {
  it('reproduces test/vectors/coconut-voucher.json byte for byte (end to end)', async () => {
    const backend = await loadBackend(name);
    const { description: _d, ...want } = vector;
    expect(runVectorFlow(backend)).toEqual(want);
  });

  it('verifies the recorded theta from its bytes, and rejects it for another value', async () => {
    const backend = await loadBackend(name);
    const params = voucherParameters(backend);
    const c = codecsFor(backend);
    const vk = c.verificationKey.decode(backend, Buffer.from(vector.aggregatedVerificationKey, 'hex'));
    const theta = Buffer.from(vector.theta, 'hex');
    const ok = verifyVoucherCredential(params, vk, new Uint8Array(theta), BigInt(vector.value), vector.info);
    expect(ok.blindedSerialNumberBase58).toBe(vector.blindedSerialNumberBase58);
    expect(() =>
      verifyVoucherCredential(params, vk, new Uint8Array(theta), BigInt(vector.value) + 1n, vector.info),
    ).toThrow(InvalidCredentialError);
  });
});

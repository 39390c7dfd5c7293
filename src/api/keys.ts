/**
 * The Coconut key file of one nym-api instance: its share (index i of n, threshold t) of
 * the issuing key, as JSON with base58 encodings of the coconut room's byte layouts.
 *
 *   {
 *     "type": "nymph-coconut-key-share", "version": 1,
 *     "index": i, "threshold": t, "authorities": n, "attributes": q,
 *     "secret_key": base58(SecretKey), "verification_key": base58(VerificationKey),
 *     "aggregated_verification_key": base58(VerificationKey)
 *   }
 *
 * The aggregated (master) verification key is what credentials are verified against; the
 * dealer knows it and writes it into every file, as Nym's DKG publishes it on chain.
 *
 * `nymph api keygen` writes one such file per instance with a trusted dealer (ttpKeygen).
 * That is the localnet stand-in for Nym's DKG (the coconut-dkg contract), where no party
 * ever sees the whole key. The file is written with mode 0600.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { codecsFor, CoconutError, aggregateVerificationKeys, setup, ttpKeygen } from '../coconut/index.js';
import type { GroupBackend, RandomBytes, Parameters, SecretKey, VerificationKey } from '../coconut/index.js';
import { KeyFileError } from './errors.js';

export const KEY_FILE_TYPE = 'nymph-coconut-key-share';
export const KEY_FILE_VERSION = 1;
/** A bandwidth voucher: private serial number and binding number, public value and info. */
export const BANDWIDTH_ATTRIBUTES = 4;

export interface KeyShare {
  index: number;
  threshold: number;
  authorities: number;
  attributes: number;
  secretKey: SecretKey;
  verificationKey: VerificationKey;
  aggregatedVerificationKey: VerificationKey;
}

export interface KeyFileJson {
  type: typeof KEY_FILE_TYPE;
  version: number;
  index: number;
  threshold: number;
  authorities: number;
  attributes: number;
  secret_key: string;
  verification_key: string;
  aggregated_verification_key: string;
}

export function keyShareToJson(backend: GroupBackend, k: KeyShare): KeyFileJson {
  const c = codecsFor(backend);
  return {
    type: KEY_FILE_TYPE,
    version: KEY_FILE_VERSION,
    index: k.index,
    threshold: k.threshold,
    authorities: k.authorities,
    attributes: k.attributes,
    secret_key: c.secretKey.toBase58(k.secretKey),
    verification_key: c.verificationKey.toBase58(k.verificationKey),
    aggregated_verification_key: c.verificationKey.toBase58(k.aggregatedVerificationKey),
  };
}

/**
 * Parse and check a key file: the fields, the encodings, and that the verification key
 * belongs to the secret key (so a mixed-up file is caught at start, not at first issue).
 */
export function keyShareFromJson(params: Parameters, doc: unknown, path = 'key file'): KeyShare {
  const o = doc as Partial<KeyFileJson> | null;
  if (typeof o !== 'object' || o === null) throw new KeyFileError(path, 'not a JSON object');
  if (o.type !== KEY_FILE_TYPE) throw new KeyFileError(path, `type is not '${KEY_FILE_TYPE}'`);
  if (o.version !== KEY_FILE_VERSION)
    throw new KeyFileError(path, `unsupported version ${String(o.version)}`);
  const int = (v: unknown, name: string, min: number, max: number): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
      throw new KeyFileError(path, `${name} must be an integer in ${min}..${max}`);
    }
    return v;
  };
  const authorities = int(o.authorities, 'authorities', 1, 1024);
  const threshold = int(o.threshold, 'threshold', 1, authorities);
  const index = int(o.index, 'index', 1, authorities);
  const attributes = int(o.attributes, 'attributes', 1, params.hs.length);
  if (
    typeof o.secret_key !== 'string' ||
    typeof o.verification_key !== 'string' ||
    typeof o.aggregated_verification_key !== 'string'
  ) {
    throw new KeyFileError(
      path,
      'secret_key, verification_key and aggregated_verification_key must be base58',
    );
  }
  const c = codecsFor(params.backend);
  let secretKey: SecretKey;
  let verificationKey: VerificationKey;
  let aggregatedVerificationKey: VerificationKey;
  try {
    secretKey = c.secretKey.fromBase58(params.backend, o.secret_key);
    verificationKey = c.verificationKey.fromBase58(params.backend, o.verification_key);
    aggregatedVerificationKey = c.verificationKey.fromBase58(params.backend, o.aggregated_verification_key);
  } catch (err) {
    if (err instanceof CoconutError) throw new KeyFileError(path, err.message);
    throw err;
  }
  if (
    secretKey.ys.length !== attributes ||
    verificationKey.betaG2.length !== attributes ||
    aggregatedVerificationKey.betaG2.length !== attributes
  ) {
    throw new KeyFileError(path, `keys do not have ${attributes} attributes`);
  }
  const { g2 } = params.backend;
  if (!g2.equals(g2.mul(params.g2, secretKey.x), verificationKey.alpha)) {
    throw new KeyFileError(path, 'verification_key does not belong to secret_key');
  }
  return { index, threshold, authorities, attributes, secretKey, verificationKey, aggregatedVerificationKey };
}

export function readKeyFile(params: Parameters, path: string): KeyShare {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new KeyFileError(path, `cannot read: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new KeyFileError(path, 'not valid JSON');
  }
  return keyShareFromJson(params, doc, path);
}

export function writeKeyFile(backend: GroupBackend, path: string, k: KeyShare): void {
  writeFileSync(path, `${JSON.stringify(keyShareToJson(backend, k), null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** Trusted-dealer key generation for n instances (localnet stand-in for Nym's DKG). */
export function generateKeyShares(
  backend: GroupBackend,
  threshold: number,
  count: number,
  rng: RandomBytes,
  attributes = BANDWIDTH_ATTRIBUTES,
): KeyShare[] {
  const params = setup(backend, attributes);
  const pairs = ttpKeygen(params, threshold, count, rng);
  const aggregatedVerificationKey = aggregateVerificationKeys(
    params,
    pairs.slice(0, threshold).map((kp, i) => ({ index: kp.index ?? i + 1, value: kp.verificationKey })),
    { threshold, authorities: count },
  );
  return pairs.map((kp, i) => ({
    index: kp.index ?? i + 1,
    threshold,
    authorities: count,
    attributes,
    secretKey: kp.secretKey,
    verificationKey: kp.verificationKey,
    aggregatedVerificationKey,
  }));
}

/** File name of instance i's key in a keygen output directory. */
export const keyFileName = (index: number): string => `coconut-key-${index}.json`;

/** Write `coconut-key-<i>.json` for every share into `dir`; returns the paths. */
export function writeKeyShares(backend: GroupBackend, dir: string, shares: readonly KeyShare[]): string[] {
  mkdirSync(dir, { recursive: true });
  return shares.map((s) => {
    const p = join(dir, keyFileName(s.index));
    writeKeyFile(backend, p, s);
    return p;
  });
}

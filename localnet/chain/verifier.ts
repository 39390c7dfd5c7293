/**
 * Signature checks off the main thread. One worker thread verifies CheckTx signatures in
 * FIFO order, so answers come back in arrival order and sequences are admitted in the
 * order txs arrived. With `workers: 0` everything runs inline (same results).
 */
import { Worker } from 'node:worker_threads';
import { HALF_N, SECP256K1_SPKI_PREFIX, verifySecp256k1 } from './crypto.js';

// The worker is plain JavaScript (eval) so that it needs no TypeScript loader.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createPublicKey, verify } = require('node:crypto');
const PREFIX = Buffer.from('${SECP256K1_SPKI_PREFIX}', 'hex');
const HALF_N = ${HALF_N.toString()}n;
const keys = new Map();
function check(pubkey, message, signature) {
  if (pubkey.length !== 33 || signature.length !== 64) return false;
  const s = BigInt('0x' + Buffer.from(signature.subarray(32)).toString('hex'));
  if (s === 0n || s > HALF_N) return false;
  const id = Buffer.from(pubkey).toString('base64');
  let key = keys.get(id);
  if (!key) {
    key = createPublicKey({ key: Buffer.concat([PREFIX, pubkey]), format: 'der', type: 'spki' });
    if (keys.size > 100000) keys.clear();
    keys.set(id, key);
  }
  return verify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, signature);
}
parentPort.on('message', (m) => {
  let ok = false;
  try { ok = check(m.pubkey, m.message, m.signature); } catch { ok = false; }
  parentPort.postMessage({ id: m.id, ok });
});
`;

export class SignatureVerifier {
  private worker: Worker | null;
  private readonly pending = new Map<number, (ok: boolean) => void>();
  private nextId = 0;

  constructor(workers: number) {
    this.worker = workers > 0 ? new Worker(WORKER_SOURCE, { eval: true }) : null;
    if (this.worker) {
      this.worker.unref();
      this.worker.on('message', (m: { id: number; ok: boolean }) => {
        const resolve = this.pending.get(m.id);
        this.pending.delete(m.id);
        resolve?.(m.ok);
      });
      // A dead worker must not leave broadcasts hanging: fail what is pending.
      this.worker.on('error', () => this.retire());
      this.worker.on('exit', () => this.retire());
    }
  }

  /** The worker is gone: fail what it held and verify inline from now on. */
  private retire(): void {
    this.worker = null;
    for (const resolve of this.pending.values()) resolve(false);
    this.pending.clear();
  }

  verify(pubkey: Uint8Array, message: Uint8Array, signature: Uint8Array): Promise<boolean> {
    const worker = this.worker;
    if (!worker) return Promise.resolve(verifySecp256k1(pubkey, message, signature));
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      worker.postMessage({ id, pubkey, message, signature });
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
  }
}

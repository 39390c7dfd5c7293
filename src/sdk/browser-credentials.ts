/**
 * Bandwidth credentials obtained in the page: deposit on the bandwidth contract through
 * CosmJS (the chain's RPC must let the page's origin in, CORS), blind-sign requests to
 * nym-apis (src/api-client, fetch only), aggregation of t shares into a Coconut credential
 * (src/coconut), and an unlinkable proof of it shown to the gateway when it gives no free
 * bandwidth. The browser counterpart of src/client/bandwidth.ts (which keeps its
 * credentials in a JSON file): credentials not yet accepted by a gateway live in the
 * IndexedDB database `<storage>-credentials`, so a reload reuses an unspent one rather than
 * deposit again.
 *
 * Database layout (version 1), one object store, out-of-line auto-increment keys:
 *   credentials   n -> JSON text of { credential: BandwidthCredential JSON, verificationKey: base58 }
 *
 * No Node-only imports: bundles for the browser. Its own entry (`nymph/browser/credentials`,
 * ~2.4 MB minified with CosmJS and Coconut), so pages that do not pay do not load it:
 *
 *   connect({ nymApi, storage: 'chat', bandwidth: browserBandwidth({ mnemonic, rpcUrl, ... }) })
 */
import { ed25519, x25519 } from '@noble/curves/ed25519.js';
import {
  IssuanceIncompleteError,
  obtainBandwidthCredential,
  type PendingIssuance,
} from '../api-client/index.js';
import { connectBandwidthSigningClient } from '../chain/index.js';
import {
  BandwidthCredential,
  codecsFor,
  loadBackend,
  secureRandom as coconutRandom,
  voucherParameters,
  type BackendName,
} from '../coconut/index.js';
import { ClientError } from '../client/errors.js';
import type { CredentialSource } from '../client/gateway-link.js';
import type { ClientKeys } from '../client/identity.js';
import { encodeCredentialPayload } from '../gateway/protocol/credential.js';
import { StorageError } from './indexeddb.js';
import type { PaidBandwidth } from './browser.js';

/** How a page pays for bandwidth: a funded account and where to get a credential. */
export interface BrowserBandwidthOptions {
  /** Mnemonic of the depositing account (m/44'/118'/0'/0/`accountIndex`, prefix "n"). */
  readonly mnemonic: string;
  readonly accountIndex?: number;
  /** The chain's CometBFT RPC URL (it must allow this page's origin: CORS). */
  readonly rpcUrl: string;
  readonly bandwidthContract: string;
  /** nym-api base URLs holding Coconut key shares; `threshold` of them must answer. */
  readonly nymApiUrls: readonly string[];
  readonly threshold: number;
  /** Deposit per credential, in unym; grants `amount × 1024` bytes at the gateway. */
  readonly amount: bigint | number | string;
  /** Coconut group backend (default `noble`: plain JS, runs under any CSP). */
  readonly backend?: BackendName;
  /** Gas price of the deposit (default the chain client's, `0.025unym`). */
  readonly gasPrice?: string;
}

/** The page's credential source could not be set up (bad options). */
export class CredentialOptionsError extends ClientError {
  override readonly code = 'credential_options_invalid';
  constructor(
    readonly field: string,
    detail: string,
  ) {
    super(`sdk bandwidth: ${field} ${detail}`);
  }
}

interface StoredCredential {
  credential: ReturnType<BandwidthCredential['toJSON']>;
  verificationKey: string;
}

/** Where unspent credentials are kept: IndexedDB, or this page's memory. */
export interface CredentialStore {
  list(): Promise<{ key: IDBValidKey; value: StoredCredential }[]>;
  add(c: StoredCredential): Promise<IDBValidKey>;
  remove(key: IDBValidKey): Promise<void>;
  close(): void;
}

export function memoryCredentialStore(): CredentialStore {
  const m = new Map<number, StoredCredential>();
  let n = 0;
  return {
    list: () => Promise.resolve([...m].map(([key, value]) => ({ key, value }))),
    add: (c) => {
      m.set(++n, c);
      return Promise.resolve(n);
    },
    remove: (key) => {
      m.delete(key as number);
      return Promise.resolve();
    },
    close: () => undefined,
  };
}

const STORE = 'credentials';

function request<T>(operation: string, r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(new StorageError(operation, r.error));
  });
}

/** Credentials in the IndexedDB database `name` (created on first use). */
export async function indexedDbCredentialStore(
  name: string,
  factory: IDBFactory = globalThis.indexedDB,
): Promise<CredentialStore> {
  if (!factory) throw new StorageError('open credentials (no IndexedDB in this environment)');
  const open = factory.open(name, 1);
  open.onupgradeneeded = () => {
    if (!open.result.objectStoreNames.contains(STORE))
      open.result.createObjectStore(STORE, { autoIncrement: true });
  };
  const db = await request('open credentials', open);
  const tx = (mode: IDBTransactionMode) => db.transaction(STORE, mode).objectStore(STORE);
  return {
    async list() {
      const store = tx('readonly');
      const [keys, values] = await Promise.all([
        request('list credentials', store.getAllKeys()),
        request('list credentials', store.getAll()),
      ]);
      const out: { key: IDBValidKey; value: StoredCredential }[] = [];
      keys.forEach((key, i) => {
        try {
          out.push({ key, value: JSON.parse(values[i] as string) as StoredCredential });
        } catch {
          // a damaged entry is skipped, not fatal: the page deposits again
        }
      });
      return out;
    },
    add: (c) => request('store credential', tx('readwrite').add(JSON.stringify(c))),
    remove: async (key) => {
      await request('remove credential', tx('readwrite').delete(key));
    },
    close: () => db.close(),
  };
}

export interface BrowserCredentialSource extends CredentialSource {
  /** Unspent credentials held (stored ones included). */
  held(): Promise<number>;
  /** Credentials issued by this source since the page loaded (deposits made). */
  readonly issued: number;
  close(): void;
}

function check(o: BrowserBandwidthOptions): void {
  if (typeof o.mnemonic !== 'string' || o.mnemonic.trim().split(/\s+/).length < 12)
    throw new CredentialOptionsError('mnemonic', 'must be a BIP-39 mnemonic');
  for (const k of ['rpcUrl', 'bandwidthContract'] as const)
    if (typeof o[k] !== 'string' || !o[k]) throw new CredentialOptionsError(k, 'missing');
  if (!Array.isArray(o.nymApiUrls) || o.nymApiUrls.length === 0)
    throw new CredentialOptionsError('nymApiUrls', 'must list at least one nym-api');
  if (!Number.isInteger(o.threshold) || o.threshold < 1 || o.threshold > o.nymApiUrls.length)
    throw new CredentialOptionsError('threshold', `must be an integer in [1, ${o.nymApiUrls.length}]`);
  let amount: bigint;
  try {
    amount = BigInt(o.amount);
  } catch {
    throw new CredentialOptionsError('amount', 'must be an integer');
  }
  if (amount <= 0n) throw new CredentialOptionsError('amount', 'must be positive');
}

/**
 * A credential source for the browser SDK. Nothing is deposited until a gateway asks for
 * bandwidth and no stored credential is left.
 */
export function browserCredentialSource(
  o: BrowserBandwidthOptions,
  store: CredentialStore = memoryCredentialStore(),
): BrowserCredentialSource {
  check(o);
  const backendName = o.backend ?? 'noble';
  let signer: ReturnType<typeof connectBandwidthSigningClient> | undefined;
  const bandwidth = () =>
    (signer ??= connectBandwidthSigningClient({
      rpcUrl: o.rpcUrl,
      mnemonic: o.mnemonic,
      accountIndex: o.accountIndex,
      contractAddress: o.bandwidthContract,
      gasPrice: o.gasPrice,
    }).catch((e: unknown) => {
      signer = undefined; // the next attempt connects again
      throw e;
    }));
  // a deposit whose issuance failed (with the keys it names): the next attempt resumes it
  let unfinished: { keys: Keys; pending: PendingIssuance } | undefined;
  let issued = 0;

  const issue = async (signal?: AbortSignal): Promise<void> => {
    const backend = await loadBackend(backendName);
    // fresh keys per deposit: the gateway checks only the credential, and the client's own
    // keys stay unlinked from the deposit on chain
    const keys = unfinished?.keys ?? freshKeys();
    try {
      const got = await obtainBandwidthCredential({
        bandwidth: await bandwidth(),
        apiUrls: o.nymApiUrls,
        threshold: o.threshold,
        amount: o.amount,
        identityKey: keys.identitySecret,
        encryptionKey: keys.encryptionSecret,
        resume: unfinished?.pending,
        backend,
        signal,
      });
      unfinished = undefined;
      // stored before use: a reload (or a refusing gateway) never loses a deposit
      await store.add({
        credential: got.credential.toJSON(),
        verificationKey: codecsFor(backend).verificationKey.toBase58(got.verificationKey),
      });
      issued++;
    } catch (e) {
      // after the deposit, trying again resumes the same deposit (nothing is paid twice)
      if (e instanceof IssuanceIncompleteError) unfinished = { keys, pending: e.pending };
      throw e;
    }
  };

  let inFlight: Promise<void> | undefined;
  return {
    get issued() {
      return issued;
    },
    held: async () => (await store.list()).length,
    async next(_keys: ClientKeys, signal?: AbortSignal) {
      let stored = await store.list();
      if (stored.length === 0) {
        inFlight ??= issue(signal).finally(() => (inFlight = undefined));
        await inFlight;
        stored = await store.list();
      }
      const entry = stored[0];
      if (!entry) throw new CredentialOptionsError('store', 'lost the credential just issued');
      const backend = await loadBackend(backendName);
      const credential = BandwidthCredential.fromJSON(voucherParameters(backend), entry.value.credential);
      const vk = codecsFor(backend).verificationKey.fromBase58(backend, entry.value.verificationKey);
      const payload = encodeCredentialPayload(credential.proveBase58(vk, coconutRandom));
      return {
        payload,
        spent() {
          void store.remove(entry.key).catch(() => undefined);
        },
      };
    },
    close() {
      void signer?.then((s) => s.signingClient.disconnect()).catch(() => undefined);
      // after a pending removal (IndexedDB finishes queued transactions before closing)
      store.close();
    },
  };
}

type Keys = Pick<ClientKeys, 'identitySecret' | 'encryptionSecret'>;
const freshKeys = (): Keys => ({
  identitySecret: ed25519.utils.randomSecretKey(),
  encryptionSecret: x25519.utils.randomSecretKey(),
});

/**
 * Paid bandwidth for the browser SDK's `connect` (its `bandwidth` option). Bad options are
 * refused here, at once (CredentialOptionsError naming the field).
 */
export function browserBandwidth(o: BrowserBandwidthOptions): PaidBandwidth {
  check(o);
  return {
    async open(storage, indexedDB) {
      const store =
        storage !== undefined
          ? await indexedDbCredentialStore(`${storage}-credentials`, indexedDB)
          : memoryCredentialStore();
      return browserCredentialSource(o, store);
    },
  };
}

/**
 * nym-api configuration: a TOML file `config.toml` under the instance's home directory,
 * every key overridable by a flag (see CONFIG_KEYS, which the CLI turns into options).
 * Relative paths in the file resolve against the home directory.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml';
import { ConfigError } from './errors.js';

export interface ApiConfig {
  /** Home directory: relative paths below resolve against it. */
  home: string;
  http: {
    host: string;
    /** 0 picks a free port. */
    port: number;
    /** Largest accepted request body, bytes. */
    maxBodyBytes: number;
    /** Per-request timeout for slow clients, ms. */
    requestTimeoutMs: number;
    /**
     * Browser origins allowed to read answers (CORS), e.g. `https://app.example`; `*` allows
     * any. Default: none (no CORS headers at all).
     */
    corsAllowedOrigins: string[];
    /** Open connections at once; more are refused at accept (see src/net-limits). */
    maxConnections: number;
    /** Open connections from one IP address; more are refused at accept. */
    maxConnectionsPerHost: number;
    /** A request head not received whole by then closes the connection, ms. */
    headersTimeoutMs: number;
    /** A kept-alive connection with no new request for this long is closed, ms. */
    idleTimeoutMs: number;
  };
  chain: {
    rpcUrl: string;
    mixnetContract: string;
    bandwidthContract: string;
    /** Denom deposits are paid in. */
    denom: string;
    /** Timeout for one chain query, ms. */
    queryTimeoutMs: number;
  };
  topology: {
    /** How often the contract cache is refreshed, ms (Nym: 30 s; localnet: a few seconds). */
    refreshIntervalMs: number;
    /** Delay before retrying a failed refresh, ms (then doubles up to refreshIntervalMs). */
    retryBackoffMs: number;
    /** Page size of the contract queries. */
    pageLimit: number;
    /** Epochs each Sphinx key rotation lasts in Nym's key-rotation info (Nym's default: 24). */
    keyRotationValidityEpochs: number;
  };
  coconut: {
    enabled: boolean;
    /** Key file of this instance's secret key share. */
    keyFile: string;
    /** BLS12-381 backend: 'mcl' (WebAssembly, fast) or 'noble' (pure JavaScript). */
    backend: 'mcl' | 'noble';
  };
  /**
   * The validators' DKG (src/dkg/README.md): with `enabled`, this instance is a dealer of the
   * coconut-dkg contract and takes its key share from the DKG instead of `coconut.key_file`
   * (which it then writes, for the record).
   */
  dkg: {
    enabled: boolean;
    /** coconut-dkg contract address. */
    contract: string;
    /** Mnemonic and account index of the chain account this dealer signs with. */
    mnemonic: string;
    account: number;
    /** The dealer's DKG key (made on first start, mode 0600). */
    keyFile: string;
    /** How often the contract is polled, ms. */
    pollIntervalMs: number;
    /** URL announced on chain (default: the listening URL). */
    announceAddress: string;
  };
  storage: {
    /** SQLite file holding used deposits; ':memory:' for none. */
    database: string;
  };
  log: {
    level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  };
}

export const CONFIG_FILE = 'config.toml';

export function defaultConfig(home: string): ApiConfig {
  return {
    home,
    http: {
      host: '127.0.0.1',
      port: 8080,
      maxBodyBytes: 64 * 1024,
      requestTimeoutMs: 30_000,
      corsAllowedOrigins: [],
      // a localnet's clients and nodes all come from 127.0.0.1: the per-host cap stays high
      maxConnections: 4096,
      maxConnectionsPerHost: 512,
      headersTimeoutMs: 10_000,
      idleTimeoutMs: 5_000,
    },
    chain: {
      rpcUrl: 'http://127.0.0.1:26657',
      mixnetContract: '',
      bandwidthContract: '',
      denom: 'unym',
      queryTimeoutMs: 10_000,
    },
    topology: {
      refreshIntervalMs: 2_000,
      retryBackoffMs: 250,
      pageLimit: 100,
      keyRotationValidityEpochs: 24,
    },
    coconut: { enabled: true, keyFile: 'coconut-key.json', backend: 'mcl' },
    dkg: {
      enabled: false,
      contract: '',
      mnemonic: '',
      account: 0,
      keyFile: 'dkg-key.json',
      pollIntervalMs: 500,
      announceAddress: '',
    },
    storage: { database: 'nym-api.sqlite' },
    log: { level: 'info' },
  };
}

type Kind = 'string' | 'int' | 'bool' | 'level' | 'backend' | 'origins';
/** Every config key: its TOML path, its flag, its type. */
export const CONFIG_KEYS: readonly { path: string; flag: string; kind: Kind; help: string }[] = [
  { path: 'http.host', flag: 'host', kind: 'string', help: 'address to listen on' },
  { path: 'http.port', flag: 'port', kind: 'int', help: 'port to listen on (0: any free port)' },
  { path: 'http.max_body_bytes', flag: 'max-body-bytes', kind: 'int', help: 'largest request body' },
  { path: 'http.request_timeout_ms', flag: 'request-timeout-ms', kind: 'int', help: 'request timeout' },
  {
    path: 'http.cors_allowed_origins',
    flag: 'cors-allowed-origins',
    kind: 'origins',
    help: 'browser origins allowed by CORS, comma-separated (e.g. https://app.example; * for any)',
  },
  { path: 'http.max_connections', flag: 'max-connections', kind: 'int', help: 'open connections at most' },
  {
    path: 'http.max_connections_per_host',
    flag: 'max-connections-per-host',
    kind: 'int',
    help: 'open connections from one IP address at most',
  },
  {
    path: 'http.headers_timeout_ms',
    flag: 'headers-timeout-ms',
    kind: 'int',
    help: 'time for a request head to arrive',
  },
  {
    path: 'http.idle_timeout_ms',
    flag: 'idle-timeout-ms',
    kind: 'int',
    help: 'kept-alive connection closed after this long without a request',
  },
  { path: 'chain.rpc_url', flag: 'rpc-url', kind: 'string', help: 'CometBFT JSON-RPC URL of the chain' },
  { path: 'chain.mixnet_contract', flag: 'mixnet-contract', kind: 'string', help: 'mixnet contract address' },
  {
    path: 'chain.bandwidth_contract',
    flag: 'bandwidth-contract',
    kind: 'string',
    help: 'bandwidth contract address',
  },
  { path: 'chain.denom', flag: 'denom', kind: 'string', help: 'denom deposits are paid in' },
  { path: 'chain.query_timeout_ms', flag: 'query-timeout-ms', kind: 'int', help: 'chain query timeout' },
  {
    path: 'topology.refresh_interval_ms',
    flag: 'refresh-interval-ms',
    kind: 'int',
    help: 'contract cache refresh interval',
  },
  { path: 'topology.retry_backoff_ms', flag: 'retry-backoff-ms', kind: 'int', help: 'first retry delay' },
  { path: 'topology.page_limit', flag: 'page-limit', kind: 'int', help: 'contract query page size' },
  {
    path: 'topology.key_rotation_validity_epochs',
    flag: 'key-rotation-validity-epochs',
    kind: 'int',
    help: "epochs per Sphinx key rotation in Nym's key-rotation info",
  },
  { path: 'coconut.enabled', flag: 'coconut', kind: 'bool', help: 'issue credentials (true/false)' },
  { path: 'coconut.key_file', flag: 'key-file', kind: 'string', help: 'coconut key share file' },
  {
    path: 'coconut.backend',
    flag: 'coconut-backend',
    kind: 'backend',
    help: 'BLS12-381 backend: mcl or noble',
  },
  { path: 'dkg.enabled', flag: 'dkg', kind: 'bool', help: 'take the key share from the DKG (true/false)' },
  { path: 'dkg.contract', flag: 'dkg-contract', kind: 'string', help: 'coconut-dkg contract address' },
  {
    path: 'dkg.mnemonic',
    flag: 'dkg-mnemonic',
    kind: 'string',
    help: "mnemonic of the dealer's chain account",
  },
  { path: 'dkg.account', flag: 'dkg-account', kind: 'int', help: "index of the dealer's chain account" },
  { path: 'dkg.key_file', flag: 'dkg-key-file', kind: 'string', help: "the dealer's DKG key file" },
  {
    path: 'dkg.poll_interval_ms',
    flag: 'dkg-poll-interval-ms',
    kind: 'int',
    help: 'DKG contract poll interval',
  },
  {
    path: 'dkg.announce_address',
    flag: 'dkg-announce-address',
    kind: 'string',
    help: 'URL announced to the DKG',
  },
  { path: 'storage.database', flag: 'database', kind: 'string', help: 'SQLite file of used deposits' },
  { path: 'log.level', flag: 'log-level', kind: 'level', help: 'pino log level' },
];

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** `*`, or exactly an origin as a browser sends it: scheme://host[:port], no path. */
function isOrigin(o: string): boolean {
  if (o === '*') return true;
  try {
    const u = new URL(o);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === o;
  } catch {
    return false;
  }
}
const camel = (s: string): string => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function coerce(path: string, kind: Kind, v: unknown): unknown {
  switch (kind) {
    case 'string':
      if (typeof v !== 'string') throw new ConfigError(path, 'must be a string');
      return v;
    case 'int': {
      const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v;
      if (typeof n === 'bigint') return coerce(path, kind, Number(n));
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) {
        throw new ConfigError(path, 'must be a non-negative integer');
      }
      return n;
    }
    case 'bool':
      if (v === 'true' || v === true) return true;
      if (v === 'false' || v === false) return false;
      throw new ConfigError(path, 'must be true or false');
    case 'backend':
      if (v !== 'mcl' && v !== 'noble') throw new ConfigError(path, 'must be mcl or noble');
      return v;
    case 'origins': {
      // A TOML array, or a comma-separated flag value.
      const list =
        typeof v === 'string'
          ? v
              .split(',')
              .map((o) => o.trim())
              .filter(Boolean)
          : v;
      if (!Array.isArray(list) || list.some((o) => typeof o !== 'string')) {
        throw new ConfigError(path, 'must be a list of origins');
      }
      for (const o of list as string[]) {
        if (!isOrigin(o)) throw new ConfigError(path, `'${o}' is not an origin (scheme://host[:port]) or *`);
      }
      return [...new Set(list as string[])];
    }
    case 'level':
      if (typeof v !== 'string' || !LEVELS.includes(v)) {
        throw new ConfigError(path, `must be one of ${LEVELS.join(', ')}`);
      }
      return v;
  }
}

/** Set `value` (from TOML or a flag) at the snake_case `path` of `config`, with checks. */
export function setConfigValue(config: ApiConfig, path: string, value: unknown): void {
  const key = CONFIG_KEYS.find((k) => k.path === path);
  if (!key) throw new ConfigError(path, 'unknown key');
  const [section, field] = path.split('.');
  const target = (config as unknown as Record<string, Record<string, unknown>>)[section];
  target[camel(field)] = coerce(path, key.kind, value);
}

/** Merge a parsed TOML document into defaults, refusing unknown keys. */
export function configFromToml(home: string, text: string): ApiConfig {
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text) as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError(CONFIG_FILE, `not valid TOML: ${(err as Error).message}`);
  }
  const config = defaultConfig(home);
  for (const [section, body] of Object.entries(doc)) {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new ConfigError(section, 'must be a table');
    }
    for (const [field, value] of Object.entries(body)) setConfigValue(config, `${section}.${field}`, value);
  }
  return config;
}

export function configToToml(config: ApiConfig): string {
  const doc: Record<string, Record<string, unknown>> = {};
  for (const { path } of CONFIG_KEYS) {
    const [section, field] = path.split('.');
    const src = (config as unknown as Record<string, Record<string, unknown>>)[section];
    (doc[section] ??= {})[field] = src[camel(field)];
  }
  return `# nym-api configuration (every key can be overridden by a flag of 'nymph api run')\n${stringifyToml(doc)}\n`;
}

export function loadConfig(home: string): ApiConfig {
  const file = join(home, CONFIG_FILE);
  if (!existsSync(file))
    throw new ConfigError(CONFIG_FILE, `no config at ${file}: run 'nymph api init' first`);
  return configFromToml(home, readFileSync(file, 'utf8'));
}

export function writeConfig(config: ApiConfig): string {
  mkdirSync(config.home, { recursive: true });
  const file = join(config.home, CONFIG_FILE);
  writeFileSync(file, configToToml(config));
  return file;
}

/** Resolve a configured path against the home directory. */
export function resolveHomePath(config: ApiConfig, p: string): string {
  return p === ':memory:' || isAbsolute(p) ? p : join(config.home, p);
}

/** Check the values a running instance needs. */
export function validateConfig(config: ApiConfig): void {
  if (!/^https?:\/\//.test(config.chain.rpcUrl))
    throw new ConfigError('chain.rpc_url', 'must be an http(s) URL');
  if (!config.chain.mixnetContract) throw new ConfigError('chain.mixnet_contract', 'is required');
  if (config.coconut.enabled && !config.chain.bandwidthContract) {
    throw new ConfigError('chain.bandwidth_contract', 'is required when coconut is enabled');
  }
  if (config.dkg.enabled && (!config.dkg.contract || !config.dkg.mnemonic))
    throw new ConfigError('dkg', 'contract and mnemonic are required when dkg is enabled');
  if (config.http.port > 65535) throw new ConfigError('http.port', 'must be at most 65535');
  if (config.topology.refreshIntervalMs < 50)
    throw new ConfigError('topology.refresh_interval_ms', 'below 50 ms');
  for (const [key, v] of [
    ['http.max_connections', config.http.maxConnections],
    ['http.max_connections_per_host', config.http.maxConnectionsPerHost],
    ['http.headers_timeout_ms', config.http.headersTimeoutMs],
    ['http.idle_timeout_ms', config.http.idleTimeoutMs],
  ] as const)
    if (v < 1) throw new ConfigError(key, 'must be at least 1');
  if (config.http.maxBodyBytes < 1024) throw new ConfigError('http.max_body_bytes', 'below 1024 bytes');
  if (config.topology.keyRotationValidityEpochs < 1)
    throw new ConfigError('topology.key_rotation_validity_epochs', 'must be at least 1');
}

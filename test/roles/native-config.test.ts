/**
 * The native client's one config schema (src/client/native-config.ts): defaults, file and
 * `--set` overrides in the nodes' TOML dialect, every rejection typed and naming its key;
 * the runner's cross-key checks; and `nymph client init` writing it.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  NativeConfigError,
  coreConfigOf,
  defaultNativeConfig,
  nativeConfigFromToml,
  type TomlTable,
} from '../../src/client/native-config.js';
import { startNativeClient } from '../../src/client/native-runner.js';
import { applyNativeOverrides, readNativeConfig, writeNativeConfig } from '../../src/roles/client.js';

const root = mkdtempSync(join(tmpdir(), 'nymph-native-config-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const home = () => join(root, `c${n++}`);

function rejection(f: () => unknown): NativeConfigError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(NativeConfigError);
    expect((e as NativeConfigError).code).toBe('native_config');
    return e as NativeConfigError;
  }
  throw new Error('expected a NativeConfigError');
}

describe('native client config', () => {
  it('writes and reads back its defaults, private to its owner', () => {
    const h = home();
    const file = writeNativeConfig(h, defaultNativeConfig());
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readNativeConfig(h)).toEqual(defaultNativeConfig());
    expect(readFileSync(file, 'utf8')).toMatch(/^# nymph native client\n/);
  });

  it('fills missing keys with defaults and applies --set overrides as the nodes do', () => {
    const h = home();
    mkdirSync(h, { recursive: true });
    writeFileSync(
      join(h, 'config.toml'),
      '[client]\nnym_api_urls = ["http://127.0.0.1:8080"]\nmode = "localnet"\n',
    );
    const c = readNativeConfig(h, [
      'socket.port=0',
      'debug.max_retransmissions=3',
      'client.nym_api_urls=http://a.example:1,http://b.example:2',
      'bandwidth.prefetch=true',
      'client.gateway=5NAjML4HUhXTiDGZjtkt7XTGMYQTsj5RVUUmNN3z9hDJ',
    ]);
    expect(c.client).toEqual({
      nym_api_urls: ['http://a.example:1', 'http://b.example:2'],
      gateway: '5NAjML4HUhXTiDGZjtkt7XTGMYQTsj5RVUUmNN3z9hDJ',
      mode: 'localnet',
    });
    expect(c.socket.port).toBe(0);
    expect(c.bandwidth.prefetch).toBe(true);
    expect(c.metrics).toEqual(defaultNativeConfig().metrics);
    expect(coreConfigOf(c)).toMatchObject({ mode: 'localnet', retransmit: { maxRetransmissions: 3 } });
    // a TOML array literal works as well as a comma list
    const t = applyNativeOverrides({}, ['client.nym_api_urls=["http://c.example"]']);
    expect(nativeConfigFromToml(t).client.nym_api_urls).toEqual(['http://c.example']);
  });

  it('reads the file an earlier `nymph client init` wrote', () => {
    const old = `[client]\nnym_api_urls = ["http://127.0.0.1:8080"]\ngateway = ""\nmode = "nym"\n
[socket]\nhost = "127.0.0.1"\nport = 1977\n[metrics]\nhost = "127.0.0.1"\nport = -1\n
[chain]\nrpc_url = ""\nmixnet_contract = ""\nbandwidth_contract = ""\n
[bandwidth]\nmnemonic = ""\naccount_index = 0\namount = 1000000\nthreshold = 0\n
[debug]\nmax_retransmissions = 10\nack_wait_addition_ms = 1500\ntopology_refresh_ms = 300000\nreassembly_timeout_ms = 300000\n`;
    const h = home();
    mkdirSync(h, { recursive: true });
    writeFileSync(join(h, 'config.toml'), old);
    expect(readNativeConfig(h).client.nym_api_urls).toEqual(['http://127.0.0.1:8080']);
  });

  it.each([
    ['an unknown section', { nope: { a: 1 } }, 'nope', 'unknown key'],
    ['an unknown key', { socket: { prot: 1977 } }, 'socket.prot', 'unknown key'],
    ['a port that is not a number', { socket: { port: 'x' } }, 'socket.port', 'expected a number'],
    ['a port out of range', { socket: { port: 70_000 } }, 'socket.port', ''],
    ['a fractional count', { debug: { max_retransmissions: 1.5 } }, 'debug.max_retransmissions', 'integer'],
    ['an unknown traffic mode', { client: { mode: 'fast' } }, 'client.mode', 'one of nym'],
    [
      'a nym-api that is not a URL',
      { client: { nym_api_urls: ['127.0.0.1:8080'] } },
      'client.nym_api_urls.0',
      'URL',
    ],
    ['an unknown backend', { bandwidth: { backend: 'gmp' } }, 'bandwidth.backend', 'mcl or noble'],
    ['a section that is not a table', { debug: 5 }, 'debug', ''],
    ['a zero timeout', { startup: { timeout_ms: 0 } }, 'startup.timeout_ms', ''],
  ])('rejects %s, naming the key', (_what, table, key, detail) => {
    const e = rejection(() => nativeConfigFromToml(table as TomlTable));
    expect(e.key).toBe(key);
    expect(e.detail).toContain(detail);
  });

  it('rejects a malformed override, a missing file and a file that is not TOML', () => {
    expect(rejection(() => applyNativeOverrides({}, ['socket.port'])).detail).toContain('section.key=value');
    expect(rejection(() => readNativeConfig(home())).detail).toContain('not found');
    const h = home();
    mkdirSync(h, { recursive: true });
    writeFileSync(join(h, 'config.toml'), '[client\n');
    expect(rejection(() => readNativeConfig(h)).key).toBe('config');
  });

  it('the runner refuses a config it cannot run, before opening any socket', async () => {
    const none = defaultNativeConfig();
    await expect(startNativeClient({ home: home(), config: none })).rejects.toMatchObject({
      code: 'native_config',
      key: 'client.nym_api_urls',
    });
    const paying = defaultNativeConfig();
    paying.client.nym_api_urls = ['http://127.0.0.1:9'];
    paying.bandwidth.mnemonic = 'some words';
    await expect(startNativeClient({ home: home(), config: paying })).rejects.toMatchObject({
      key: 'chain.rpc_url',
    });
    paying.chain = { rpc_url: 'http://127.0.0.1:9', mixnet_contract: 'n1m', bandwidth_contract: 'n1b' };
    paying.bandwidth.threshold = 2;
    await expect(startNativeClient({ home: home(), config: paying })).rejects.toMatchObject({
      key: 'bandwidth.threshold',
    });
  });

  it('`nymph client init --offline` writes the schema with its flags and --set; bad keys fail', () => {
    const h = home();
    const bin = resolve('bin/nymph.js');
    const ok = spawnSync(
      process.execPath,
      [
        bin,
        'client',
        'init',
        '--offline',
        '--home',
        h,
        '--nym-api',
        'http://127.0.0.1:8080',
        '--mode',
        'localnet',
        '--port',
        '0',
        '--set',
        'debug.max_retransmissions=4',
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(ok.status, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ event: 'client_init', address: null });
    const c = readNativeConfig(h);
    expect(c.client).toMatchObject({ nym_api_urls: ['http://127.0.0.1:8080'], mode: 'localnet' });
    expect(c.socket.port).toBe(0);
    expect(c.debug.max_retransmissions).toBe(4);
    const bad = spawnSync(
      process.execPath,
      [bin, 'client', 'init', '--offline', '--home', home(), '--set', 'socket.prot=1'],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('config socket.prot: unknown key');
  }, 90_000);
});

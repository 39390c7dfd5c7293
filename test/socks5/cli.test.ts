/**
 * `nymph requester init` and `nymph socks5 init` (offline): the config files they write,
 * the allow list from `--allow`, and bad keys refused with the key named.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'smol-toml';
import { NYMPH_BIN } from '../../localnet/network/supervisor.js';

const dir = mkdtempSync(join(tmpdir(), 'nymph-socks-cli-'));
const nymph = (...args: string[]) =>
  spawnSync(process.execPath, [NYMPH_BIN, ...args], { encoding: 'utf8', timeout: 60_000 });
const PROVIDER =
  'CytBseW6yFXUMzz4SGAKdNLGR7q3sJLLYxyBGvutNEQV.4QXYyEVc5fUDjmmi8PrHN9tdUFV4PCvSJE1278cHyvoe@4sBbL1ngf1vtNqykydQKTFh26sQCw888GpUqvPvyNB4f';

describe('nymph requester|socks5 init', () => {
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('requester: config.toml with the client sections and [requester], allowed.list from --allow', () => {
    const home = join(dir, 'r');
    const r = nymph(
      'requester',
      'init',
      '--home',
      home,
      '--offline',
      '--nym-api',
      'http://127.0.0.1:1',
      '--open-proxy',
      '--allow',
      'example.com',
      '--allow',
      '10.0.0.0/8',
    );
    expect(r.status, r.stderr).toBe(0);
    const ev = JSON.parse(r.stdout.trim()) as { event: string; allowed_list: string };
    expect(ev.event).toBe('requester_init');
    const cfg = parse(readFileSync(join(home, 'config.toml'), 'utf8')) as Record<
      string,
      Record<string, unknown>
    >;
    expect(Object.keys(cfg).sort()).toEqual([
      'bandwidth',
      'chain',
      'client',
      'debug',
      'metrics',
      'requester',
      'startup',
    ]);
    expect(cfg.client.nym_api_urls).toEqual(['http://127.0.0.1:1']);
    expect(cfg.requester.open_proxy).toBe(true);
    expect(readFileSync(ev.allowed_list, 'utf8')).toContain('example.com\n10.0.0.0/8\n');
    // a second init refuses to overwrite
    expect(nymph('requester', 'init', '--home', home, '--offline').status).toBe(1);
  }, 90_000);

  it('socks5: config.toml with [socks5] (provider, port), and bad values refused by key', () => {
    const home = join(dir, 's');
    const r = nymph('socks5', 'init', '--home', home, '--offline', '--provider', PROVIDER, '--port', '1081');
    expect(r.status, r.stderr).toBe(0);
    const cfg = parse(readFileSync(join(home, 'config.toml'), 'utf8')) as Record<
      string,
      Record<string, unknown>
    >;
    expect(cfg.socks5).toMatchObject({ provider: PROVIDER, port: 1081, host: '127.0.0.1', anonymous: true });
    expect(cfg.socks5.connection_start_surbs).toBe(20);
    const bad = nymph(
      'socks5',
      'init',
      '--home',
      join(dir, 's2'),
      '--offline',
      '--set',
      'socks5.per_request_surbs=-1',
    );
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('socks5.per_request_surbs');
    const unknown = nymph('socks5', 'init', '--home', join(dir, 's3'), '--offline', '--set', 'socket.port=1');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('socket: unknown section');
  }, 90_000);
});

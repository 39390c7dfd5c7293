/**
 * The requester's allow list (Nym's format; the cases of Nym's own filter tests, quoted from
 * service-providers/network-requester/src/request_filter/allowed_hosts before its removal)
 * and the file-backed filter: reload on change, unknown.list written once per host, the
 * open-proxy flag, names resolved by the system resolver and refused when they lead to
 * loopback without the list naming it. Also the config sections' typed errors.
 */
import fc from 'fast-check';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  RequestFilter,
  RequesterConfigError,
  allowsHost,
  isSpecialAddress,
  parseAllowList,
  requesterSectionFrom,
  silentLog,
  trimComment,
} from '../../src/requester/index.js';
import { Socks5ConfigError, socks5SectionFrom } from '../../src/socks5/index.js';
import {
  parseIp,
  parseRemoteAddress,
  parseRemoteHost,
  type RemoteHost,
} from '../../src/socks5/protocol/index.js';
import { ServiceConfigError, serviceConfigFrom } from '../../src/roles/service-client.js';

const host = (s: string): RemoteHost => parseRemoteHost(s)!;
const allows = (lines: string[], h: string) => allowsHost(parseAllowList(lines.join('\n')).list, host(h));

describe('allow list (Nym format)', () => {
  it("trims comments as Nym's trim_comment does", () => {
    const entries = [
      '# keybase',
      'keybaseapi.com',
      '',
      'gist.githubusercontent.com',
      ' ',
      '# healthcheck # foo',
      'nymtech.net',
      '91.108.56.0/22',
      '2001:b28:f23d::/48',
      '# monero desktop - mainnet',
    ];
    expect(entries.map(trimComment).filter(Boolean)).toEqual([
      'keybaseapi.com',
      'gist.githubusercontent.com',
      'nymtech.net',
      '91.108.56.0/22',
      '2001:b28:f23d::/48',
    ]);
  });

  it('domains allow themselves and their subdomains; *.domain only subdomains', () => {
    expect(allows(['nymtech.net'], 'nymtech.net')).toBe(true);
    expect(allows(['nymtech.net'], 'foomp.nymtech.net')).toBe(true);
    expect(allows(['nymtech.net'], 'notnymtech.net')).toBe(false);
    expect(allows(['nymtech.net'], 'unknown.com')).toBe(false);
    expect(allows(['*.example.com'], 'a.example.com')).toBe(true);
    expect(allows(['*.example.com'], 'example.com')).toBe(false);
    expect(allows(['Example.COM'], 'www.example.com')).toBe(true);
  });

  it('IPv4 addresses and ranges', () => {
    const list = ['1.1.1.1', '127.0.0.1/32', '1.2.3.4/24'];
    for (const ok of ['1.1.1.1', '127.0.0.1', '1.2.3.0', '1.2.3.255'])
      expect(allows(list, ok), ok).toBe(true);
    for (const no of ['1.1.1.2', '1.2.2.4', '127.0.0.2']) expect(allows(list, no), no).toBe(false);
  });

  it('IPv6 addresses, in any text form, and ranges', () => {
    const full = '2001:0db8:85a3:0000:0000:8a2e:0370:7334';
    const rendered = '2001:0db8:85a3::8a2e:0370:7334';
    for (const list of [
      [full, '2001:0db8::0001:0000', '::1'],
      [rendered, '2001:db8::1:0', '[::1]'],
    ]) {
      expect(allows(list, `[${full}]`)).toBe(true);
      expect(allows(list, `[${rendered}]`)).toBe(true);
      expect(allows(list, '[2001:db8::1:0]')).toBe(true);
      expect(allows(list, '[::1]')).toBe(true);
    }
    const range = ['2620:0:2d0:200::7/32'];
    for (const ok of [
      '2620:0:0:0:0:0:0:0',
      '2620::',
      '2620:0:ffff:ffff:ffff:ffff:ffff:ffff',
      '2620:0:42::42',
    ])
      expect(allows(range, `[${ok}]`), ok).toBe(true);
    expect(allows(range, '[2621::]')).toBe(false);
    // an IPv4-mapped IPv6 address is its IPv4 address
    expect(allows(['10.0.0.0/8'], '[::ffff:10.1.2.3]')).toBe(true);
  });

  it('reports lines that are no host, and never throws on any text', () => {
    const { invalid, list } = parseAllowList('good.example\nnot a host!\n1.2.3.4/99\n1.2.3.256\n');
    expect(invalid.map((x) => x.line)).toEqual([2, 3, 4]);
    expect([...parseAllowList('a.example b.example\n', { splitWhitespace: true }).list.domains]).toEqual([
      'a.example',
      'b.example',
    ]);
    expect([...list.domains]).toEqual(['good.example']);
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        const p = parseAllowList(text);
        expect(p.list.nets.every((n) => n.prefix <= n.bytes.length * 8)).toBe(true);
      }),
    );
  });

  it('knows the addresses no public service has', () => {
    for (const s of [
      '127.0.0.1',
      '10.1.1.1',
      '192.168.0.1',
      '169.254.1.1',
      '::1',
      'fe80::1',
      'fd00::2',
      '::ffff:127.0.0.1',
    ])
      expect(isSpecialAddress(parseIp(s)!), s).toBe(true);
    for (const s of ['1.1.1.1', '93.184.216.34', '2001:4860:4860::8888'])
      expect(isSpecialAddress(parseIp(s)!), s).toBe(false);
  });
});

describe('the file-backed filter', () => {
  const dirs: string[] = [];
  const filters: RequestFilter[] = [];
  afterEach(() => {
    for (const f of filters.splice(0)) f.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  function open(allowed: string, openProxy = false, standardListUrl = '') {
    const dir = mkdtempSync(join(tmpdir(), 'nymph-filter-'));
    dirs.push(dir);
    const allowedListPath = join(dir, 'allowed.list');
    const unknownListPath = join(dir, 'unknown.list');
    writeFileSync(allowedListPath, allowed);
    const f = new RequestFilter({
      allowedListPath,
      unknownListPath,
      openProxy,
      reloadMs: 50,
      standardListUrl,
      standardListRefreshMs: 200,
      maxUnknownEntries: 3,
      log: silentLog,
    });
    filters.push(f);
    return { f, allowedListPath, unknownListPath };
  }

  it('allows listed hosts, refuses others and writes each refused host to unknown.list once', async () => {
    const { f, unknownListPath } = open('127.0.0.0/8\n');
    expect(await f.check(parseRemoteAddress('127.0.0.1:80'))).toEqual({
      allowed: true,
      addresses: ['127.0.0.1'],
    });
    for (let i = 0; i < 3; i++) {
      const d = await f.check(parseRemoteAddress('refused.example:443'));
      expect(d).toMatchObject({ allowed: false, reason: 'filtered' });
    }
    await f.check(parseRemoteAddress('10.0.0.1:80'));
    expect(readFileSync(unknownListPath, 'utf8')).toBe('refused.example\n10.0.0.1\n');
    // bounded: beyond max_unknown_entries nothing more is written
    await f.check(parseRemoteAddress('a.example:80'));
    await f.check(parseRemoteAddress('b.example:80'));
    expect(readFileSync(unknownListPath, 'utf8').trim().split('\n')).toHaveLength(3);
  });

  it('reloads allowed.list when it changes', async () => {
    const { f, allowedListPath } = open('');
    expect((await f.check(parseRemoteAddress('127.0.0.1:80'))).allowed).toBe(false);
    writeFileSync(allowedListPath, '127.0.0.1\n');
    const t0 = Date.now();
    while (!(await f.check(parseRemoteAddress('127.0.0.1:80'))).allowed) {
      if (Date.now() - t0 > 5_000) throw new Error('not reloaded');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(f.stats.reloads).toBeGreaterThanOrEqual(2);
  });

  it('resolves names, and refuses a name that leads only to loopback unless the list names loopback', async () => {
    const byName = open('localhost\n');
    expect(await byName.f.check(parseRemoteAddress('localhost:80'))).toMatchObject({
      allowed: false,
      reason: 'filtered',
    });
    const withNet = open('localhost\n127.0.0.0/8\n::1\n');
    const d = await withNet.f.check(parseRemoteAddress('localhost:80'));
    expect(d.allowed).toBe(true);
    if (d.allowed) expect(d.addresses).toEqual(expect.arrayContaining(['127.0.0.1']));
    // a name that does not resolve is "unreachable", not "filtered"
    const all = open('invalid\n');
    expect(await all.f.check(parseRemoteAddress('nothing.invalid:80'))).toMatchObject({
      allowed: false,
      reason: 'unreachable',
    });
  });

  it('merges a standard list fetched from a URL, refreshed', async () => {
    let text = '# the standard list\nfirst.example\n';
    const server = createServer((_req, res) => res.end(text));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/standard.txt`;
      const { f } = open('127.0.0.1\n', false, url);
      const allowed = async (name: string) => allowsHost(f.allowList, host(name));
      const until = async (cond: () => Promise<boolean>) => {
        const t0 = Date.now();
        while (!(await cond())) {
          if (Date.now() - t0 > 5_000) throw new Error('standard list not fetched');
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      await until(() => allowed('first.example'));
      expect(await allowed('127.0.0.1')).toBe(true);
      text = 'second.example third.example\n';
      await until(() => allowed('third.example'));
      expect(await allowed('first.example')).toBe(false);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('open proxy: any public address, but private ones still need the list', async () => {
    const { f } = open('', true);
    expect((await f.check(parseRemoteAddress('93.184.216.34:80'))).allowed).toBe(true);
    expect((await f.check(parseRemoteAddress('127.0.0.1:80'))).allowed).toBe(false);
    expect((await f.check(parseRemoteAddress('[::1]:80'))).allowed).toBe(false);
  });
});

describe('config sections: a typed error naming the key', () => {
  it('requester', () => {
    expect(requesterSectionFrom({}).open_proxy).toBe(false);
    for (const bad of [{ open_proxy: 'yes' }, { window_bytes: 10 }, { nope: 1 }, { packet_size: 'huge' }]) {
      const e = (() => {
        try {
          requesterSectionFrom(bad);
        } catch (err) {
          return err;
        }
      })();
      expect(e).toBeInstanceOf(RequesterConfigError);
      expect((e as RequesterConfigError).key).toMatch(/^requester\./);
    }
  });

  it('socks5', () => {
    expect(socks5SectionFrom({}).port).toBe(1080);
    expect(socks5SectionFrom({ provider_interface_version: 'legacy' }).provider_interface_version).toBe(
      'legacy',
    );
    for (const bad of [{ port: 70_000 }, { socks5_protocol_version: 2 }, { anonymous: 1 }, { extra: true }])
      expect(() => socks5SectionFrom(bad)).toThrow(Socks5ConfigError);
  });

  it('a service config refuses sections it does not know, and checks the client sections', () => {
    expect(() => serviceConfigFrom('socks5', 'socks5', { socket: { port: 1 } }, socks5SectionFrom)).toThrow(
      ServiceConfigError,
    );
    expect(() =>
      serviceConfigFrom('socks5', 'socks5', { client: { nym_api_urls: 'not a url' } }, socks5SectionFrom),
    ).toThrow(ServiceConfigError);
    const ok = serviceConfigFrom(
      'socks5',
      'socks5',
      { client: { nym_api_urls: 'http://a:1,http://b:2' } },
      socks5SectionFrom,
    );
    expect(ok.client.client.nym_api_urls).toEqual(['http://a:1', 'http://b:2']);
  });
});

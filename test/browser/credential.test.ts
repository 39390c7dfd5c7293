/**
 * Bandwidth paid for in the page, in a real headless Chromium (CORS enforced: the launcher
 * drops `--disable-web-security`), against a localnet whose gateways give no free bandwidth:
 *
 * - a page without a credential source gets `NoBandwidthError` from `connect` at once
 *   (not a retry loop);
 * - a page with `bandwidth` (a funded localnet account's mnemonic from localnet.json)
 *   deposits through CosmJS on the chain's RPC (CORS: the page's origin is let in),
 *   collects blind-signature shares from the nym-apis, aggregates a Coconut credential,
 *   shows it to the gateway, and sends a message to itself through the mixnet;
 * - a credential obtained but not yet shown is kept in IndexedDB: after a reload the page
 *   connects with it, making no new deposit;
 * - a page on an origin the chain does not let in cannot deposit (CORS really applies).
 *
 * The page's script is this repository's browser SDK and its credentials entry, bundled by
 * esbuild for the browser (no Node built-ins: the build fails on one).
 *
 * Bad `bandwidth` options are refused at once with CredentialOptionsError (checked in Node,
 * the same module).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localnetUp, type RunningLocalnet } from '../../localnet/network/up.js';
import { launchChromium, openPage, screenshot } from './chromium.js';
import { browserBandwidth, CredentialOptionsError } from '../../src/sdk/browser-credentials.js';
import { BandwidthWatch } from '../../src/sdk/bandwidth.js';
import { encodeGatewayResponse } from '../../src/gateway/protocol/index.js';
import { startStaticServer, type StaticServer } from './static-server.js';

let net: RunningLocalnet;
let browser: Browser;
let statics: StaticServer;
/** Serves the same page from an origin nobody lets in. */
let stranger: StaticServer;
const home = mkdtempSync(join(tmpdir(), 'nymph-browser-cred-'));
const pageDir = mkdtempSync(join(tmpdir(), 'nymph-browser-cred-page-'));
type TestPage = Awaited<ReturnType<typeof openPage>>;
const pages: TestPage[] = [];

const ENTRY = `
import { connect, NoBandwidthError } from ${JSON.stringify(resolve('src/sdk/browser.ts'))};
import * as credentials from ${JSON.stringify(resolve('src/sdk/browser-credentials.ts'))};
window.nymph = { connect, NoBandwidthError, credentials };
window.nymphReady = true;
`;

async function buildPage(): Promise<void> {
  writeFileSync(join(pageDir, 'entry.ts'), ENTRY);
  writeFileSync(
    join(pageDir, 'index.html'),
    '<!doctype html><meta charset="utf-8"><title>credential</title><script type="module" src="./entry.js"></script>',
  );
  await build({
    entryPoints: [join(pageDir, 'entry.ts')],
    outdir: pageDir,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    conditions: ['browser'],
    target: 'es2022',
    logLevel: 'warning',
  });
}

beforeAll(async () => {
  [statics, stranger] = await Promise.all([startStaticServer(), startStaticServer(), buildPage()]);
  statics.mount('/', pageDir);
  stranger.mount('/', pageDir);
  [net, browser] = await Promise.all([
    localnetUp({
      home,
      processes: 'per-role',
      ports: 'auto',
      mixnodesPerLayer: 1,
      gateways: 1,
      clients: 0,
      requesters: 0,
      socks5Clients: 0,
      logLevel: 'silent',
      skipSelfTest: true,
      webOrigins: [statics.origin],
      gatewayFreeBandwidth: false,
    }),
    launchChromium(),
  ]);
}, 240_000);

afterAll(async () => {
  for (const p of pages) await p.close().catch(() => undefined);
  await browser?.close();
  await net?.stop();
  await statics?.close();
  await stranger?.close();
  rmSync(home, { recursive: true, force: true });
  rmSync(pageDir, { recursive: true, force: true });
});

async function tab(origin = statics.origin): Promise<TestPage> {
  const p = await openPage(browser, `${origin}/`);
  pages.push(p);
  await p.waitForFunction(() => (window as unknown as { nymphReady?: boolean }).nymphReady === true);
  return p;
}

/** A genesis account no node of the network signs with (they bond and spend with theirs). */
function spareAccount(): number {
  const used = Math.max(...net.plan.nodes.map((n) => n.account));
  expect(net.info.chain.accounts.length).toBeGreaterThan(used + 1);
  return net.info.chain.accounts.length - 1;
}

function bandwidthOptions(): Record<string, unknown> {
  return {
    mnemonic: net.info.chain.mnemonic,
    accountIndex: spareAccount(),
    rpcUrl: net.info.chain.rpc,
    bandwidthContract: net.info.chain.contracts.bandwidth,
    nymApiUrls: net.info.nym_apis,
    threshold: net.info.coconut.threshold,
    // 1024 bytes of bandwidth per unym
    amount: '100000',
  };
}

interface PageWindow {
  nymph: {
    connect(o: unknown): Promise<{
      address: string;
      bandwidth?: number;
      credentialSource?: { issued: number; held(): Promise<number> };
      send(to: string, m: string): Promise<void>;
      nextMessage(): Promise<{ message: Uint8Array }>;
      disconnect(): Promise<void>;
    }>;
    credentials: {
      browserBandwidth(o: unknown): unknown;
      browserCredentialSource(
        o: unknown,
        store: unknown,
      ): { next(k: unknown): Promise<unknown>; close(): void };
      indexedDbCredentialStore(name: string): Promise<unknown>;
    };
  };
}

describe('bandwidth credentials obtained in the page', () => {
  it('a page without a credential source gets NoBandwidthError from connect at once', async () => {
    const page = await tab();
    const got = await page.evaluate(async (nymApi: string[]) => {
      const w = window as unknown as PageWindow;
      const t0 = performance.now();
      try {
        await w.nymph.connect({ nymApi, onBackend: () => undefined });
        return { ok: true, ms: performance.now() - t0 };
      } catch (e) {
        return {
          ok: false,
          name: (e as Error).name,
          code: (e as { code?: string }).code,
          message: (e as Error).message,
          ms: performance.now() - t0,
        };
      }
    }, net.info.nym_apis);
    expect(got).toMatchObject({ ok: false, name: 'NoBandwidthError', code: 'no_bandwidth' });
    expect(got.message).toMatch(/no free bandwidth/);
    // one refused claim, not a retry loop (the topology fetch included)
    expect(got.ms).toBeLessThan(20_000);
  }, 60_000);

  it('a page whose credential source fails gets NoBandwidthError from connect at once', async () => {
    const page = await tab();
    // nothing listens on port 9 (discard): CosmJS cannot reach the chain
    const bandwidth = { ...bandwidthOptions(), rpcUrl: 'http://127.0.0.1:9' };
    const got = await page.evaluate(
      async (nymApi: string[], b: unknown) => {
        const w = window as unknown as PageWindow;
        const t0 = performance.now();
        try {
          await w.nymph.connect({
            nymApi,
            bandwidth: w.nymph.credentials.browserBandwidth(b),
            onBackend: () => undefined,
          });
          return { ok: true, ms: performance.now() - t0 };
        } catch (e) {
          return {
            ok: false,
            code: (e as { code?: string }).code,
            message: (e as Error).message,
            ms: performance.now() - t0,
          };
        }
      },
      net.info.nym_apis,
      bandwidth,
    );
    expect(got).toMatchObject({ ok: false, code: 'no_bandwidth' });
    expect(got.message).toMatch(/credential source failed/);
    expect(got.ms).toBeLessThan(30_000);
  }, 60_000);

  it('a page obtains a Coconut credential through CosmJS and sends through the mixnet', async () => {
    const page = await tab();
    const got = await page.evaluate(
      async (nymApi: string[], bandwidth: unknown) => {
        const w = window as unknown as PageWindow;
        const t0 = performance.now();
        const c = await w.nymph.connect({
          nymApi,
          storage: 'cred-a',
          bandwidth: w.nymph.credentials.browserBandwidth(bandwidth),
          onBackend: () => undefined,
        });
        const connectMs = performance.now() - t0;
        const received = c.nextMessage();
        await c.send(c.address, 'paid for in the page');
        const m = await received;
        const out = {
          address: c.address,
          connectMs,
          text: new TextDecoder().decode(m.message),
          issued: c.credentialSource?.issued,
          held: await c.credentialSource?.held(),
          bandwidth: c.bandwidth,
        };
        await c.disconnect();
        return out;
      },
      net.info.nym_apis,
      bandwidthOptions(),
    );
    expect(got.text).toBe('paid for in the page');
    // one deposit, and its credential spent at the gateway (nothing left in IndexedDB)
    expect(got.issued).toBe(1);
    expect(got.held).toBe(0);
    expect(got.bandwidth).toBeGreaterThan(0);
    expect(page.problems.filter((p) => /CORS|Access-Control/i.test(p))).toEqual([]);
    await screenshot(page, 'credential-page');
  }, 240_000);

  it('a reload reuses a stored credential not yet shown (no new deposit)', async () => {
    const page = await tab();
    // obtain one credential into IndexedDB and leave it unspent (a page closed before it
    // reached its gateway)
    await page.evaluate(async (bandwidth: unknown) => {
      const w = window as unknown as PageWindow;
      const c = w.nymph.credentials;
      const store = await c.indexedDbCredentialStore('cred-b-credentials');
      const source = c.browserCredentialSource(bandwidth, store);
      await source.next({});
      source.close();
    }, bandwidthOptions());
    await page.reload({ waitUntil: 'load' });
    await page.waitForFunction(() => (window as unknown as { nymphReady?: boolean }).nymphReady === true);
    const got = await page.evaluate(
      async (nymApi: string[], bandwidth: unknown) => {
        const w = window as unknown as PageWindow;
        const c = await w.nymph.connect({
          nymApi,
          storage: 'cred-b',
          bandwidth: w.nymph.credentials.browserBandwidth(bandwidth),
          onBackend: () => undefined,
        });
        const received = c.nextMessage();
        await c.send(c.address, 'with the stored credential');
        const m = await received;
        const out = {
          text: new TextDecoder().decode(m.message),
          issued: c.credentialSource?.issued,
          held: await c.credentialSource?.held(),
        };
        await c.disconnect();
        return out;
      },
      net.info.nym_apis,
      bandwidthOptions(),
    );
    expect(got).toEqual({ text: 'with the stored credential', issued: 0, held: 0 });
  }, 240_000);

  it('a page on an origin the chain does not let in cannot deposit (CORS)', async () => {
    const page = await tab(stranger.origin);
    const got = await page.evaluate(async (rpc: string) => {
      try {
        await fetch(`${rpc}/status`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        });
        return 'read';
      } catch (e) {
        return (e as Error).name;
      }
    }, net.info.chain.rpc);
    expect(got).toBe('TypeError');
    // and the allowed origin can
    const allowed = await tab();
    const ok = await allowed.evaluate(async (rpc: string) => {
      const r = await fetch(rpc, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'status', params: {} }),
      });
      return ((await r.json()) as { result: { node_info: { network: string } } }).result.node_info.network;
    }, net.info.chain.rpc);
    expect(ok).toBe(net.info.chain.chain_id);
  }, 60_000);
});

describe('browserBandwidth options', () => {
  const good = {
    mnemonic: 'receive carpet recycle card render firm word oppose now silly chuckle lecture',
    rpcUrl: 'http://127.0.0.1:26657',
    bandwidthContract: 'n1contract',
    nymApiUrls: ['http://127.0.0.1:8080', 'http://127.0.0.1:8081'],
    threshold: 2,
    amount: '1000',
  };
  it('accepts good options and refuses each bad field with CredentialOptionsError', () => {
    expect(browserBandwidth(good).open).toBeTypeOf('function');
    const bad: [string, Record<string, unknown>][] = [
      ['mnemonic', { mnemonic: 'too short' }],
      ['rpcUrl', { rpcUrl: '' }],
      ['bandwidthContract', { bandwidthContract: undefined }],
      ['nymApiUrls', { nymApiUrls: [] }],
      ['threshold', { threshold: 3 }],
      ['threshold', { threshold: 0 }],
      ['amount', { amount: '1.5' }],
      ['amount', { amount: 0 }],
    ];
    for (const [field, patch] of bad) {
      let err: unknown;
      try {
        browserBandwidth({ ...good, ...patch } as never);
      } catch (e) {
        err = e;
      }
      expect(err, field).toBeInstanceOf(CredentialOptionsError);
      expect((err as CredentialOptionsError).field).toBe(field);
      expect((err as CredentialOptionsError).code).toBe('credential_options_invalid');
    }
  });
});

describe('a page paying with credentials', () => {
  it('is blocked once its credential source fails while it has less than a packet left', async () => {
    const w = new BandwidthWatch(true);
    w.needBytes = 2048;
    let fail = false;
    const source = w.credentials({
      next: () =>
        fail
          ? Promise.reject(new Error('chain unreachable'))
          : Promise.resolve({ payload: new Uint8Array(1), spent: () => undefined }),
    });
    w.observe(encodeGatewayResponse({ type: 'bandwidth', availableTotal: 100_000 }));
    await source.next({} as never);
    fail = true;
    // plenty left: a failed top-up does not stop sending
    await expect(source.next({} as never)).rejects.toThrow('chain unreachable');
    expect(w.blocked).toBeUndefined();
    // below one packet the client waits for a top-up that cannot come: blocked, no loop
    w.observe(encodeGatewayResponse({ type: 'send', remainingBandwidth: 1000 }));
    expect(w.blocked).toMatch(/credential source failed: chain unreachable/);
    // a top-up that works unblocks
    fail = false;
    await source.next({} as never);
    expect(w.blocked).toBeUndefined();
  });
});

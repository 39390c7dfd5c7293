/**
 * The pages `localnet up` serves, in a real headless Chromium (CORS on: the launcher drops
 * `--disable-web-security`), against a localnet in this process:
 *
 * - two chat tabs exchange a plain message and an anonymous one answered through its
 *   reply SURBs; each shows its address, delivery state and round trip;
 * - a reloaded tab keeps its address and answers an earlier anonymous sender with the
 *   SURBs stored in IndexedDB;
 * - the explorer lists every bonded node with its layer, owner and bond, and a node's
 *   packet rate moves when traffic flows;
 * - a page on an origin nym-api does not allow cannot read it (CORS is really enforced);
 * - idle CPU of a tab in Nym's default traffic mode (cover traffic in a Web Worker),
 *   written to .artifacts/browser-idle-cpu.json.
 *
 * Screenshots go to .artifacts/screenshots/ (git-ignored).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localnetUp, type RunningLocalnet } from '../../localnet/network/up.js';
import { launchChromium, openPage, screenshot, SCREENSHOT_DIR } from './chromium.js';
import { treeCpuMs } from './cpu.js';
import { startStaticServer, type StaticServer } from './static-server.js';
import { buildViteApp } from './vite-app.js';
import { NYM_CLIENT_OVERRIDE, writeNymPages } from './nym-pages.js';
import { buildBrowserSdk } from '../../scripts/build-browser-sdk.js';

let net: RunningLocalnet;
let browser: Browser;
/** Pages built by the tests (the Vite app), on an origin the network lets in. */
let statics: StaticServer;
const home = mkdtempSync(join(tmpdir(), 'nymph-browser-'));
type TestPage = Awaited<ReturnType<typeof openPage>>;
const pages: TestPage[] = [];

beforeAll(async () => {
  statics = await startStaticServer();
  [net, browser] = await Promise.all([
    localnetUp({
      home,
      processes: 'per-role',
      ports: 'auto',
      mixnodesPerLayer: 1,
      gateways: 2,
      clients: 1,
      requesters: 1,
      socks5Clients: 0,
      // NYMPH_TEST_LOG_LEVEL=debug keeps the roles' logs (under the home, kept when set)
      logLevel: process.env.NYMPH_TEST_LOG_LEVEL ?? 'silent',
      skipSelfTest: true,
      webOrigins: [statics.origin],
    }),
    launchChromium(),
  ]);
}, 120_000);

afterAll(async () => {
  for (const p of pages) await p.close().catch(() => undefined);
  await browser?.close();
  await net?.stop();
  await statics?.close();
  if (process.env.NYMPH_TEST_LOG_LEVEL) process.stderr.write(`localnet home kept: ${home}\n`);
  else rmSync(home, { recursive: true, force: true });
});

async function tab(url: string): Promise<TestPage> {
  const p = await openPage(browser, url);
  pages.push(p);
  return p;
}

/** A chat tab, once connected; returns its page and Nym address. */
async function chatTab(query: string): Promise<{ page: TestPage; address: string }> {
  const page = await tab(`${net.info.web!.chat}?${query}`);
  await page.waitForSelector('[data-testid=state][data-state=connected]', { timeout: 45_000 });
  const address = await page.$eval('[data-testid=address]', (e) => (e as HTMLElement).dataset.address!);
  return { page, address };
}

async function sendFrom(page: Page, opts: { to?: string; text: string; anonymous?: boolean }): Promise<void> {
  if (opts.to !== undefined) {
    await page.$eval('[data-testid=to]', (e) => ((e as HTMLInputElement).value = ''));
    await page.type('[data-testid=to]', opts.to);
  }
  const anon = await page.$eval('[data-testid=anon]', (e) => (e as HTMLInputElement).checked);
  if (anon !== !!opts.anonymous) await page.click('[data-testid=anon]');
  await page.type('[data-testid=text]', opts.text);
  await page.click('[data-testid=send]');
}

/** The outgoing bubble with `text` reaches `state` (acked or failed); returns its dataset. */
async function outgoing(page: Page, text: string, state = 'acked'): Promise<DOMStringMap> {
  const h = await page.waitForFunction(
    (t: string, s: string) =>
      Array.from(document.querySelectorAll<HTMLElement>('[data-testid=msg-out]')).find(
        (b) => b.querySelector('.text')?.textContent === t && b.dataset.state === s,
      ) && {
        ...Array.from(document.querySelectorAll<HTMLElement>('[data-testid=msg-out]')).find(
          (b) => b.querySelector('.text')?.textContent === t && b.dataset.state === s,
        )!.dataset,
      },
    { timeout: 45_000 },
    text,
    state,
  );
  return (await h.jsonValue()) as DOMStringMap;
}

async function incoming(page: Page, text: string): Promise<{ senderTag?: string }> {
  const h = await page.waitForFunction(
    (t: string) => {
      const b = Array.from(document.querySelectorAll<HTMLElement>('[data-testid=msg-in]')).find(
        (x) => x.querySelector('.text')?.textContent === t,
      );
      return b ? { senderTag: b.dataset.senderTag } : undefined;
    },
    { timeout: 45_000 },
    text,
  );
  return (await h.jsonValue()) as { senderTag?: string };
}

async function clickReply(page: Page, text: string): Promise<void> {
  await page.evaluate((t: string) => {
    const b = Array.from(document.querySelectorAll<HTMLElement>('[data-testid=msg-in]')).find(
      (x) => x.querySelector('.text')?.textContent === t,
    );
    b!.querySelector<HTMLButtonElement>('[data-testid=reply]')!.click();
  }, text);
}

describe('chat page', () => {
  it('two tabs exchange plain and anonymous messages through the mixnet, with delivery state and round trip', async () => {
    expect(net.info.web?.chat).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/chat\/$/);
    const alice = await chatTab('name=alice');
    const bob = await chatTab('name=bob&worker=0');
    expect(alice.address).not.toBe(bob.address);
    // the crypto backend is reported: wasm (the page's CSP allows wasm-unsafe-eval), and where it runs
    expect(await alice.page.$eval('[data-testid=backend]', (e) => e.textContent)).toBe('wasm, in a worker');
    expect(await bob.page.$eval('[data-testid=backend]', (e) => e.textContent)).toBe('wasm, main thread');

    await sendFrom(alice.page, { to: bob.address, text: 'hello bob, in the clear' });
    const acked = await outgoing(alice.page, 'hello bob, in the clear');
    expect(Number(acked.rtt)).toBeGreaterThan(0);
    expect((await incoming(bob.page, 'hello bob, in the clear')).senderTag).toBeUndefined();

    await sendFrom(bob.page, { to: alice.address, text: 'guess who', anonymous: true });
    await outgoing(bob.page, 'guess who');
    const anon = await incoming(alice.page, 'guess who');
    expect(anon.senderTag).toMatch(/^[1-9A-HJ-NP-Za-km-z]+$/);
    // the anonymous sender's address appears nowhere on the receiving page
    expect(await alice.page.content()).not.toContain(bob.address);

    await clickReply(alice.page, 'guess who');
    await sendFrom(alice.page, { text: 'it is you, bob' });
    await outgoing(alice.page, 'it is you, bob');
    expect((await incoming(bob.page, 'it is you, bob')).senderTag).toBeUndefined();
    await screenshot(alice.page, 'chat-alice');
    await screenshot(bob.page, 'chat-bob');
    expect(alice.page.problems.concat(bob.page.problems)).toEqual([]);
  }, 120_000);

  it('a reloaded tab keeps its address and answers with the reply SURBs it stored', async () => {
    const carol = await chatTab('name=carol&worker=0');
    const dave = await chatTab('name=dave');
    await sendFrom(dave.page, { to: carol.address, text: 'remember me after a reload?', anonymous: true });
    await incoming(carol.page, 'remember me after a reload?');

    await carol.page.reload({ waitUntil: 'load' });
    await carol.page.waitForSelector('[data-testid=state][data-state=connected]', { timeout: 45_000 });
    const after = await carol.page.$eval('[data-testid=address]', (e) => (e as HTMLElement).dataset.address);
    expect(after).toBe(carol.address);
    // the conversation came back, and its Reply uses the SURBs kept in IndexedDB
    await incoming(carol.page, 'remember me after a reload?');
    await clickReply(carol.page, 'remember me after a reload?');
    await sendFrom(carol.page, { text: 'still here, same address' });
    await outgoing(carol.page, 'still here, same address');
    await incoming(dave.page, 'still here, same address');
    await screenshot(carol.page, 'chat-after-reload');
  }, 120_000);

  it('a page on an origin nym-api does not allow cannot read it (CORS enforced)', async () => {
    const other: Server = createServer((_req, res) => res.end('<!doctype html><title>elsewhere</title>'));
    await new Promise<void>((r) => other.listen(0, '127.0.0.1', () => r()));
    try {
      const port = (other.address() as AddressInfo).port;
      const page = await tab(`http://127.0.0.1:${port}/`);
      const api = net.info.nym_apis[0];
      const result = await page.evaluate(async (url: string) => {
        try {
          await (await fetch(`${url}/v1/topology`)).json();
          return 'read';
        } catch (e) {
          return (e as Error).name;
        }
      }, api);
      expect(result).toBe('TypeError');
      // and the chat page's own origin may
      const chat = await tab(net.info.web!.chat);
      const ok = await chat.evaluate(async (url: string) => (await fetch(`${url}/v1/topology`)).ok, api);
      expect(ok).toBe(true);
    } finally {
      await new Promise<void>((r) => other.close(() => r()));
    }
  });
});

describe('network explorer', () => {
  it('shows every bonded node, the epoch and chain height, and packet rates that move under traffic', async () => {
    const page = await tab(net.info.web!.explorer);
    const ids = [...net.info.mixnodes, ...net.info.gateways].map((n) => n.identity_key);
    await page.waitForFunction(
      (n: number) => document.querySelectorAll('[data-testid=rows] tr').length === n,
      { timeout: 45_000 },
      ids.length,
    );
    const shown = await page.$$eval('[data-testid=rows] tr', (rows) =>
      rows.map((r) => ({
        id: (r as HTMLElement).dataset.identity!,
        cells: Array.from(r.querySelectorAll('td')).map((c) => c.textContent),
      })),
    );
    expect(shown.map((r) => r.id).sort()).toEqual([...ids].sort());
    const mix1 = shown.find((r) => r.id === net.info.mixnodes[0].identity_key)!;
    expect(mix1.cells[1]).toMatch(/^layer [123]$/);
    expect(mix1.cells[4]).toBe('100 NYM');
    expect(mix1.cells[5]).toBe('active');
    expect(await page.$$eval('svg.topo circle', (c) => c.length)).toBe(net.info.mixnodes.length + 2 * 2);
    expect(await page.$eval('[data-testid=epoch]', (e) => e.textContent)).toMatch(/^\d+$/);
    expect(await page.$eval('[data-testid=countdown]', (e) => e.textContent)).toMatch(/^\d+:\d\d$/);
    expect(
      Number((await page.$eval('[data-testid=height]', (e) => e.textContent))!.replace(/,/g, '')),
    ).toBeGreaterThan(0);

    // traffic: a chat tab sends to itself; every mix node's rate must rise above zero
    const sender = await chatTab('name=traffic');
    const updates = Number(await page.$eval('[data-testid=live]', (e) => (e as HTMLElement).dataset.updates));
    const burst = sender.page.evaluate(async () => {
      const el = document.querySelector<HTMLElement>('[data-testid=address]')!;
      (document.querySelector('[data-testid=to]') as HTMLInputElement).value = el.dataset.address!;
      for (let i = 0; i < 40; i++) {
        (document.querySelector('[data-testid=text]') as HTMLTextAreaElement).value = `packet burst ${i}`;
        document.querySelector<HTMLButtonElement>('[data-testid=send]')!.click();
        await new Promise((r) => setTimeout(r, 100));
      }
    });
    await page.waitForFunction(
      (mix: string[], since: number) => {
        if (Number(document.querySelector<HTMLElement>('[data-testid=live]')!.dataset.updates) <= since)
          return false;
        return mix.every(
          (id) =>
            Number(document.querySelector<HTMLElement>(`tr[data-identity="${id}"]`)?.dataset.pps ?? 0) > 0,
        );
      },
      { timeout: 30_000, polling: 250 },
      net.info.mixnodes.map((n) => n.identity_key),
      updates,
    );
    await screenshot(page, 'explorer');
    await burst;
    expect(page.problems).toEqual([]);
  }, 120_000);
});

describe('idle cost', () => {
  /** CPU of one hidden (idle) chat tab in `nym` mode over `windowMs`, per minute. */
  async function idleCost(query: string, windowMs: number) {
    const pid = browser.process()!.pid!;
    const idle = await chatTab(`${query}&mode=nym`);
    // the page goes idle when hidden: emulate a hidden tab
    await idle.page.evaluate(() => {
      Object.defineProperty(document, 'hidden', { value: true, configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    const cdp = await idle.page.createCDPSession();
    await cdp.send('Performance.enable');
    const mainThread = async () =>
      ((await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')?.value ??
        0) * 1000;
    await new Promise((r) => setTimeout(r, 1000));
    const cpu0 = treeCpuMs(pid);
    const main0 = await mainThread();
    await new Promise((r) => setTimeout(r, windowMs));
    const cpuMs = treeCpuMs(pid) - cpu0;
    const mainMs = (await mainThread()) - main0;
    await idle.page.close();
    const perMinute = (ms: number) => Math.round((ms * 60_000) / windowMs);
    return {
      browser_cpu_ms_per_idle_minute: perMinute(cpuMs),
      main_thread_ms_per_idle_minute: perMinute(mainMs),
    };
  }

  it("measures the CPU a tab costs per idle minute in Nym's traffic mode, client in a worker and on the main thread", async () => {
    // alone in the browser: other tabs (the explorer redraws every 2 s) would count too
    for (const p of pages.splice(0)) await p.close().catch(() => undefined);
    const windowMs = 8_000;
    const inWorker = await idleCost('name=idle-worker', windowMs);
    const onMainThread = await idleCost('name=idle-main&worker=0', windowMs);
    const result = {
      mode: 'nym, idle (hidden tab: loop cover and Poisson stream slowed 10x)',
      window_ms: windowMs,
      in_worker: inWorker,
      on_main_thread: onMainThread,
      note: 'browser CPU: the whole Chromium process tree with this one tab; main thread: CDP TaskDuration of the page',
    };
    mkdirSync(join(SCREENSHOT_DIR, '..'), { recursive: true });
    writeFileSync(
      join(SCREENSHOT_DIR, '..', 'browser-idle-cpu.json'),
      `${JSON.stringify(result, null, 2)}\n`,
    );
    process.stderr.write(`idle cost: ${JSON.stringify(result)}\n`);
    expect(inWorker.browser_cpu_ms_per_idle_minute).toBeGreaterThan(0);
    // with the client in a worker, cover traffic leaves the page's main thread nearly free
    expect(inWorker.main_thread_ms_per_idle_minute).toBeLessThan(onMainThread.main_thread_ms_per_idle_minute);
  }, 60_000);
});

describe('the SDK in a fresh Vite app', () => {
  it('imports nymph/browser through the exports map, builds with no settings, and sends through the mixnet', async () => {
    await buildBrowserSdk();
    const appDir = mkdtempSync(join(tmpdir(), 'nymph-vite-'));
    try {
      statics.mount('/', await buildViteApp(appDir));
      const page = await tab(
        `${statics.origin}/?api=${encodeURIComponent(JSON.stringify(net.info.nym_apis))}`,
      );
      const result = await page.evaluate(
        () => (window as unknown as { viteResult: Promise<unknown> }).viteResult,
      );
      expect(result).toMatchObject({
        text: 'hello from a Vite app',
        backend: 'wasm',
        badAddress: 'RangeError',
      });
      await screenshot(page, 'vite-app');
      expect(page.problems).toEqual([]);
    } finally {
      rmSync(appDir, { recursive: true, force: true });
    }
  }, 120_000);
});

describe("Nym's own web packages (1.4.1) against Nymph", () => {
  const dir = mkdtempSync(join(tmpdir(), 'nymph-nym-pages-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const query = (extra: Record<string, string>) =>
    new URLSearchParams({
      api: net.info.nym_apis[0],
      override: JSON.stringify(NYM_CLIENT_OVERRIDE),
      ...extra,
    });
  let nymPage: TestPage | undefined;
  let nymAddress = '';

  it('@nymproject/sdk connects through nym-api and a Nymph gateway and sends to itself', async () => {
    for (const [prefix, folder] of Object.entries(writeNymPages(dir))) statics.mount(prefix, folder);
    nymPage = await tab(`${statics.origin}/nym/sdk/?${query({})}`);
    nymAddress = (await nymPage.evaluate(
      () => (window as unknown as { nymStart: Promise<string> }).nymStart,
    )) as string;
    expect(nymAddress).toMatch(/^\w+\.\w+@\w+$/);
    await nymPage.evaluate(
      (a: string) =>
        (window as unknown as { nymSend(r: string, t: string): Promise<void> }).nymSend(a, 'nym to itself'),
      nymAddress,
    );
    await nymPage.waitForFunction(
      () => (window as unknown as { nymReceived: string[] }).nymReceived.includes('nym to itself'),
      { timeout: 45_000 },
    );
    await screenshot(nymPage, 'nym-sdk');
  }, 120_000);

  // Nym's client and Nymph's speak one message layer (src/nymsphinx), both ways.
  it('@nymproject/sdk and a Nymph chat tab exchange messages', async () => {
    expect(nymPage, 'the Nym SDK page of the test before').toBeDefined();
    const nymph = await chatTab('name=nym-peer');
    await sendFrom(nymph.page, { to: nymAddress, text: 'hello Nym, from Nymph' });
    await nymPage!.waitForFunction(
      () => (window as unknown as { nymReceived: string[] }).nymReceived.includes('hello Nym, from Nymph'),
      { timeout: 15_000 },
    );
    await nymPage!.evaluate(
      (a: string) =>
        (window as unknown as { nymSend(r: string, t: string): Promise<void> }).nymSend(
          a,
          'hello Nymph, from Nym',
        ),
      nymph.address,
    );
    await incoming(nymph.page, 'hello Nymph, from Nym');
  }, 90_000);

  it("@nymproject/mix-fetch fetches a local page through Nymph's network requester", async () => {
    const site: Server = createServer((_req, res) => res.end('served to the mixnet'));
    await new Promise<void>((r) => site.listen(0, '127.0.0.1', () => r()));
    try {
      const url = `http://127.0.0.1:${(site.address() as AddressInfo).port}/`;
      const requester = (net.info.requesters as { address: string }[])[0].address;
      // bounded below vitest's timeout, so a stall names its stage and shows the client's log
      const stalled = Symbol('stalled');
      const within = <T>(ms: number, p: Promise<T>) =>
        Promise.race([p, new Promise<typeof stalled>((res) => setTimeout(() => res(stalled), ms).unref())]);
      const deadline = Date.now() + 70_000;
      const page = await tab(`${statics.origin}/nym/fetch/?${query({ requester, url })}`);
      const r = await within(
        deadline - Date.now(),
        page.evaluate(() => (window as unknown as { mixFetchResult: Promise<unknown> }).mixFetchResult),
      ).catch((e: unknown) => {
        process.stderr.write(`mix-fetch failed: ${String(e)}\n${page.log.slice(-80).join('\n')}\n`);
        throw e;
      });
      if (r === stalled) {
        const stages = await within(
          5_000,
          page.evaluate(() => (window as unknown as { mixFetchStages: string[] }).mixFetchStages),
        );
        const why =
          `mix-fetch stalled; stages: ${stages === stalled ? '(the page does not answer)' : stages.join(' → ')}\n` +
          page.log.slice(-80).join('\n');
        process.stderr.write(why + '\n');
        expect.fail(why);
      }
      expect(r).toEqual({ status: 200, body: 'served to the mixnet' });
    } finally {
      // a connection the requester still holds must not keep the test waiting
      site.closeAllConnections();
      await new Promise<void>((r) => site.close(() => r()));
    }
  }, 90_000);
});

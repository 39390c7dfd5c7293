/**
 * Headless Chromium for the browser tests: `@sparticuz/chromium`'s binary (unpacked from
 * npm, no download at test time) driven by puppeteer-core. Its default arguments include
 * `--disable-web-security`, which turns CORS and the same-origin policy off; it is removed
 * here, so a page reaches nym-api only when nym-api's CORS setting allows it.
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import chromium from '@sparticuz/chromium';
import puppeteer, { type Browser, type ConsoleMessage, type Page } from 'puppeteer-core';

/** Flags that would make the tests prove less than they claim. */
const REFUSED_FLAGS = ['--disable-web-security'];

/** Where screenshots go (git-ignored): test artifacts, never committed. */
export const SCREENSHOT_DIR = resolve(process.env.NYMPH_ARTIFACTS ?? '.artifacts', 'screenshots');

export function chromiumArgs(): string[] {
  return chromium.args.filter((a) => !REFUSED_FLAGS.some((f) => a === f || a.startsWith(`${f}=`)));
}

export async function launchChromium(): Promise<Browser> {
  const executablePath = await chromium.executablePath();
  return puppeteer.launch({
    executablePath,
    args: chromiumArgs(),
    headless: 'shell',
    defaultViewport: { width: 1280, height: 800 },
    protocolTimeout: 60_000,
  });
}

/** How many console lines a tab keeps in `log` (the newest). */
const LOG_LINES = 200;

/**
 * A new tab whose console errors and uncaught exceptions are collected in `problems`, and
 * whose console lines (its workers' too: Chromium reports them to the page; Nym's wasm
 * clients log from a worker) are kept in `log` for a failing test to show (and echoed when
 * asked).
 */
export async function openPage(
  browser: Browser,
  url: string,
): Promise<Page & { problems: string[]; log: string[] }> {
  const page = (await browser.newPage()) as Page & { problems: string[]; log: string[] };
  page.problems = [];
  page.log = [];
  const echo = process.env.NYMPH_BROWSER_LOG === '1';
  const started = Date.now();
  const keep = (m: ConsoleMessage) => {
    const line = `+${Date.now() - started} ms [${m.type()}] ${m.text()}`;
    page.log.push(line);
    if (page.log.length > LOG_LINES) page.log.shift();
    if (echo) process.stderr.write(line + '\n');
  };
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error') page.problems.push(m.text());
    keep(m);
  });
  page.on('pageerror', (e: unknown) => page.problems.push(String((e as Error)?.message ?? e)));
  await page.goto(url, { waitUntil: 'load' });
  return page;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`) as `${string}.png`;
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * A fresh Vite app that imports the browser SDK by its package name (`nymph/browser`,
 * resolved through package.json's exports map to dist/browser), built with Vite's JS API
 * and no settings at all: what an application developer would get.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

const MAIN = `import { connect, errorCode } from 'nymph/browser';

const out = document.getElementById('out');
const nymApi = JSON.parse(new URLSearchParams(location.search).get('api') ?? '[]');
window.viteResult = (async () => {
  let backend = '';
  const client = await connect({ nymApi, config: { mode: 'localnet' }, onBackend: (kind) => (backend = kind) });
  out.textContent = 'connected as ' + client.address;
  await client.send(client.address, 'hello from a Vite app');
  const m = await client.nextMessage({ signal: AbortSignal.timeout(20000) });
  await client.disconnect();
  let badAddress = '';
  try {
    await connect({ nymApi: [], config: { mode: 'localnet' } });
  } catch (e) {
    badAddress = e instanceof RangeError ? 'RangeError' : errorCode(e) ?? String(e);
  }
  out.textContent = 'received: ' + m.text();
  return { address: client.address, text: m.text(), backend, badAddress };
})();
`;

const HTML = `<!doctype html>
<html><head><meta charset="utf-8" /><title>vite app</title>
<script type="module" src="/main.js"></script></head>
<body><h1>A Vite app on the Nymph SDK</h1><pre id="out">starting</pre></body></html>
`;

/** Writes the app into `dir`, builds it with Vite, returns the built folder. */
export async function buildViteApp(dir: string): Promise<string> {
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  symlinkSync(repoRoot, join(dir, 'node_modules', 'nymph'), 'dir');
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'vite-app', private: true, type: 'module' }),
  );
  writeFileSync(join(dir, 'index.html'), HTML);
  writeFileSync(join(dir, 'main.js'), MAIN);
  await build({ root: dir, logLevel: 'silent' });
  return join(dir, 'dist');
}

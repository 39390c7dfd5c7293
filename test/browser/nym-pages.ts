/**
 * Pages on Nym's own published web packages (1.4.1, unmodified, from node_modules): one
 * with `@nymproject/sdk` (its client runs in the package's worker, web-worker-0.js, loaded
 * relative to the page) and one with `@nymproject/mix-fetch` (its worker and wasm files
 * are loaded relative to the package's index.js, so the package folder is served as is).
 * Each page exposes what it did on `window` for the test to read.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const packageDir = (name: string) => dirname(require.resolve(`${name}/package.json`));

/** Nym's client settings for a quiet local network (as test/gateway/nym-wasm.test.ts). */
export const NYM_CLIENT_OVERRIDE = {
  coverTraffic: { disableLoopCoverTrafficStream: true },
  traffic: { disableMainPoissonPacketDistribution: true },
  topology: { minimumMixnodePerformance: 0, minimumGatewayPerformance: 0 },
  acknowledgements: { ackWaitAdditionMs: 5_000 },
};

const SDK_PAGE = `<!doctype html>
<html><head><meta charset="utf-8" /><title>Nym SDK</title></head>
<body><h1>@nymproject/sdk 1.4.1</h1><pre id="out">starting</pre>
<script type="module">
import { createNymMixnetClient } from './sdk.js';
const q = new URLSearchParams(location.search);
const out = document.getElementById('out');
const log = (s) => (out.textContent += '\\n' + s);
window.nymReceived = [];
window.nymStart = (async () => {
  const nym = await createNymMixnetClient();
  nym.events.subscribeToRawMessageReceivedEvent((e) => {
    const text = new TextDecoder().decode(e.args.payload);
    window.nymReceived.push(text);
    log('received: ' + text);
  });
  const connected = new Promise((r) => nym.events.subscribeToConnected((e) => r(e.args.address)));
  await nym.client.start({
    clientId: 'nym-sdk-' + Date.now(),
    nymApiUrl: q.get('api'),
    clientOverride: JSON.parse(q.get('override')),
  });
  const address = await connected;
  log('connected as ' + address);
  window.nymSend = (recipient, text) => nym.client.rawSend({ payload: new TextEncoder().encode(text), recipient });
  return address;
})();
</script></body></html>
`;

const FETCH_PAGE = `<!doctype html>
<html><head><meta charset="utf-8" /><title>Nym mix-fetch</title></head>
<body><h1>@nymproject/mix-fetch 1.4.1</h1><pre id="out">starting</pre>
<script type="module">
import { createMixFetch } from '/nym/mix-fetch/index.js';
const q = new URLSearchParams(location.search);
const t0 = performance.now();
window.mixFetchStages = [];
const stage = (s) => window.mixFetchStages.push(s + ' (+' + Math.round(performance.now() - t0) + ' ms)');
window.mixFetchResult = (async () => {
  stage('createMixFetch');
  const { mixFetch } = await createMixFetch({
    clientId: 'mix-fetch-' + Date.now(),
    nymApiUrl: q.get('api'),
    preferredNetworkRequester: q.get('requester'),
    forceTls: false,
    clientOverride: JSON.parse(q.get('override')),
    mixFetchOverride: { requestTimeoutMs: 15000 },
  });
  stage('mixFetch');
  const r = await mixFetch(q.get('url'), { mode: 'unsafe-ignore-cors' });
  stage('body');
  const body = await r.text();
  stage('done');
  document.getElementById('out').textContent = r.status + ' ' + body;
  return { status: r.status, body };
})();
</script></body></html>
`;

/** Writes the pages under `dir`; returns the mounts (URL prefix → folder) to serve. */
export function writeNymPages(dir: string): Record<string, string> {
  const sdkDir = join(dir, 'sdk');
  mkdirSync(sdkDir, { recursive: true });
  const sdk = packageDir('@nymproject/sdk');
  copyFileSync(join(sdk, 'index.js'), join(sdkDir, 'sdk.js'));
  copyFileSync(join(sdk, 'web-worker-0.js'), join(sdkDir, 'web-worker-0.js'));
  writeFileSync(join(sdkDir, 'index.html'), SDK_PAGE);
  const fetchDir = join(dir, 'fetch');
  mkdirSync(fetchDir, { recursive: true });
  writeFileSync(join(fetchDir, 'index.html'), FETCH_PAGE);
  return {
    '/nym/sdk/': sdkDir,
    '/nym/fetch/': fetchDir,
    '/nym/mix-fetch/': packageDir('@nymproject/mix-fetch'),
  };
}

/**
 * `nymph api keygen | init | run` as real processes: keys for 3 instances, a config from
 * the chain's chain.json, a running service, and a graceful stop on SIGTERM.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startChain } from '../../localnet/index.js';
import type { RunningChain } from '../../localnet/index.js';

let dir: string;
let chain: RunningChain;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nymph-api-cli-'));
  chain = await startChain({
    home: join(dir, 'chain'),
    rpcHost: '127.0.0.1',
    rpcPort: 0,
    logLevel: 'silent',
    blockIntervalMs: 200,
  });
});
afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await chain?.close();
  rmSync(dir, { recursive: true, force: true });
});

function nymph(args: string[]): { child: ChildProcess; lines: AsyncGenerator<string>; stderr: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/nymph.ts', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  async function* lines(): AsyncGenerator<string> {
    let buf = '';
    for await (const chunk of child.stdout!) {
      buf += (chunk as Buffer).toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        yield buf.slice(0, i);
        buf = buf.slice(i + 1);
      }
    }
  }
  return { child, lines: lines(), stderr: () => err };
}

const exited = (c: ChildProcess): Promise<number | null> =>
  c.exitCode !== null ? Promise.resolve(c.exitCode) : new Promise((r) => c.once('exit', (code) => r(code)));

it('keygen, init from chain.json, run, and stop gracefully on SIGTERM', async () => {
  const keys = nymph(['api', 'keygen', '--threshold', '2', '--count', '3', '--out', join(dir, 'keys')]);
  const kg = JSON.parse((await keys.lines.next()).value as string);
  expect(kg).toMatchObject({ event: 'api_keygen', threshold: 2, count: 3 });
  expect(kg.files).toHaveLength(3);
  expect(await exited(keys.child)).toBe(0);

  const home = join(dir, 'api-2');
  const init = nymph([
    'api',
    'init',
    '--home',
    home,
    '--chain-info',
    join(dir, 'chain', 'chain.json'),
    '--key-file',
    kg.files[1],
    '--port',
    '0',
  ]);
  expect(await exited(init.child)).toBe(0);
  const toml = readFileSync(join(home, 'config.toml'), 'utf8');
  expect(toml).toContain(`mixnet_contract = "${chain.chainInfo.contracts.mixnet}"`);
  expect(toml).toContain(`rpc_url = "${chain.rpcUrl}"`);

  const run = nymph(['api', 'run', '--home', home, '--refresh-interval-ms', '250', '--log-level', 'info']);
  const ready = JSON.parse((await run.lines.next()).value as string);
  expect(ready.event).toBe('api_ready');
  const health = (await (await fetch(`${ready.url}/health`)).json()) as Record<string, any>;
  expect(health).toMatchObject({ status: 'ok', coconut: { index: 2 } });
  const vk = (await (await fetch(`${ready.url}/v1/coconut/verification-key`)).json()) as Record<string, any>;
  expect(vk).toMatchObject({ index: 2, threshold: 2, authorities: 3, attributes: 4 });
  const metrics = await (await fetch(`${ready.url}/metrics`)).text();
  expect(metrics).toContain('nym_api_process_cpu_seconds_total');

  run.child.kill('SIGTERM');
  expect(await exited(run.child)).toBe(0);
  expect(run.stderr()).toContain('nym-api stopped');
  await expect(fetch(`${ready.url}/health`)).rejects.toThrow();
}, 60_000);

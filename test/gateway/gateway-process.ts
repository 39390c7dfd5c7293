/**
 * A gateway as its own process (`nymph gateway run`), for the kill -9 tests: init a home,
 * run it, read its readiness line, and read its stored-message counter.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(ROOT, 'bin/nymph.js');

export interface Ready {
  mixPort: number;
  clientsUrl: string;
  identityKey: string;
  sphinxKey: string;
  metrics: string;
}

export function runGateway(home: string): { child: ChildProcess; ready: Promise<Ready> } {
  const child = spawn(process.execPath, [BIN, 'gateway', 'run', '--home', home, '--log-level', 'error'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = new Promise<Ready>((resolve, reject) => {
    let buf = '';
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(buf.slice(0, nl)) as Ready);
    });
    child.once('exit', (code) => reject(new Error(`gateway exited (${code}) before it was ready`)));
  });
  return { child, ready };
}

export function initGateway(home: string): void {
  execFileSync(
    process.execPath,
    [
      BIN,
      'gateway',
      'init',
      '--home',
      home,
      '--mix-port',
      '0',
      '--clients-port',
      '0',
      '--http-api-port',
      '0',
      '--free-bandwidth',
    ],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

export async function storedTotal(metricsUrl: string): Promise<number> {
  const text = await (await fetch(metricsUrl)).text();
  const m = /^nymph_gateway_messages_stored_total (\d+)/m.exec(text);
  return m ? Number(m[1]) : 0;
}

/** A gateway initialised and running in `home` (its process kept in `children`). */
export async function startGateway(home: string, children: ChildProcess[]) {
  initGateway(home);
  const run = runGateway(home);
  children.push(run.child);
  return { run, ready: await run.ready };
}

/**
 * The reliability suite's kill -9 (scripts/reliability/net.ts `killAndReap`): when it
 * resolves, the killed process's sockets are closed, as its peers see them. The scenarios
 * take "killed" to mean "offline": a gateway must by then have the client's FIN or RST,
 * or it pushes what arrives into a socket nobody will read, counts it delivered, and the
 * sender, which has the gateway's SURB-ack, never sends it again (1-3 of 200 lost in the
 * gateway-stored scenario on a loaded machine).
 *
 * A node process whose main thread has exited shows as a zombie while its other threads
 * are still exiting; the last of them closes its files. The child here has busy worker
 * threads, so that some of its threads are off the CPU when SIGKILL comes.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAndReap, processGone } from '../../scripts/reliability/net.js';
import { liveThreads } from '../../localnet/network/supervisor.js';

const HAVE_PROC = process.platform === 'linux' && existsSync('/proc/net/tcp');

/** TCP states of IPv4 sockets with local port `local` and remote port `remote` (/proc/net/tcp, hex). */
function tcpStates(local: number, remote: number): string[] {
  const hex = (p: number) => p.toString(16).toUpperCase().padStart(4, '0');
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[1]?.endsWith(`:${hex(local)}`) && f[2]?.endsWith(`:${hex(remote)}`))
    .map((f) => f[3]);
}
const ESTABLISHED = '01';

/** A node process with `workers` spinning worker threads, connected to `port`; resolves with its pid. */
async function childWithSocket(port: number, workers: number): Promise<number> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const { Worker } = require('node:worker_threads');
       for (let k = 0; k < ${workers}; k++) new Worker('for (;;) {}', { eval: true });
       require('node:net').connect(${port}, '127.0.0.1', () => console.log('up'));
       setInterval(() => {}, 1000);`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'], detached: true },
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before it connected`)));
  });
  child.stdout.destroy();
  return child.pid!;
}

describe.runIf(HAVE_PROC)('reliability kill -9', () => {
  let server: net.Server;
  let port: number;
  beforeAll(async () => {
    server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as net.AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('resolves only once every thread of the process is gone and its socket is closed at the peer', async () => {
    const rounds = 12;
    const open: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
      const pid = await childWithSocket(port, 3);
      const sock = await accepted;
      sock.on('error', () => undefined);
      const remote = sock.remotePort!;
      expect(tcpStates(port, remote)).toEqual([ESTABLISHED]);
      expect(liveThreads(pid)).toBeGreaterThan(1);

      await killAndReap(pid, `child ${i}`);
      // the kernel's view, not this event loop's: no ESTABLISHED socket left on our side
      if (tcpStates(port, remote).includes(ESTABLISHED)) open.push(i);
      sock.destroy();
      expect(processGone(pid)).toBe(true);
    }
    // rounds in which the socket of a process called gone was still open
    expect(open).toEqual([]);
  }, 60_000);

  it('refuses a pid that is not a single process (0, 1, negative: a signal to many) with a typed error', async () => {
    for (const pid of [0, 1, -5, 1.5])
      await expect(killAndReap(pid, 'bad')).rejects.toMatchObject({ code: 'reliability_bad_pid' });
  });
});

/**
 * Sockets a server holds, from the kernel's table: ESTABLISHED or CLOSE_WAIT entries whose
 * local port is the server's. A client socket whose handshake the kernel dropped (an
 * overfull accept queue under load) is the client's alone and is not counted.
 */
import { readFileSync } from 'node:fs';

const HELD_STATES = new Set(['01', '08']); // TCP_ESTABLISHED, TCP_CLOSE_WAIT

export function heldByServer(port: number): number {
  let n = 0;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 4) continue;
      const localPort = parseInt(f[1].split(':')[1], 16);
      if (localPort === port && HELD_STATES.has(f[3])) n++;
    }
  }
  return n;
}

/** Waits until the server holds no socket on `port`; the time it took, or Infinity. */
export async function untilNoneHeld(port: number, timeoutMs: number): Promise<number> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (heldByServer(port) === 0) return Date.now() - t0;
    await new Promise((r) => setTimeout(r, 25));
  }
  return Infinity;
}

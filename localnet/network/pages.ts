/**
 * `localnet up` serves the chat page and the network explorer (src/web) from its own
 * process while the network runs: on port 1980 with fixed ports, a free port with
 * `--ports auto`. The pages stop with `up` (with `--detach` they stop when it returns).
 */
import { startWebServer, webNetworkOf, type RunningWebServer } from '../../src/web/server.js';
import type { LocalnetInfo } from './up.js';
import { freePorts } from './plan.js';

export const FIXED_PAGES_PORT = 1980;

export type PagesServer = RunningWebServer;

export async function servePages(
  host: string,
  ports: 'fixed' | 'auto',
  info: () => LocalnetInfo | undefined,
  mode: string,
): Promise<PagesServer> {
  const port = ports === 'fixed' ? FIXED_PAGES_PORT : (await freePorts(1, host))[0];
  return startWebServer({
    host,
    port,
    network: () => {
      const i = info();
      return i ? webNetworkOf(i, mode) : undefined;
    },
  });
}

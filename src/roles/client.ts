/**
 * The native client as a role: its config file (schema: ../client/native-config.ts) read
 * and written with the nodes' TOML helpers, written from a local network's plan by `init`,
 * and the client run from it (../client/native-runner.ts).
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { pino } from 'pino';
import {
  isListKey,
  nativeConfigFromToml,
  NativeConfigError,
  type NativeClientConfig,
} from '../client/native-config.js';
import { applyOverrides, configPath, readToml, writeToml, type TomlTable } from '../node/config.js';
import { NodeConfigError } from '../node/errors.js';
import type { RoleInitContext, RoleStartOptions, RunningRole } from '../roles.js';
import { localnetClientConfig } from './service-client.js';

/** The client's code, loaded when it starts (localnet's planner loads this module for `init`). */
export const preload = () => import('../client/native-runner.js');

/**
 * Overrides (`section.key=value`, values as TOML literals) on top of a table. A list key
 * also takes a plain comma-separated value (`client.nym_api_urls=http://a,http://b`).
 */
export function applyNativeOverrides(table: TomlTable, sets: readonly string[]): TomlTable {
  let out: TomlTable;
  try {
    out = applyOverrides(table, [...sets]);
  } catch (e) {
    if (e instanceof NodeConfigError) throw new NativeConfigError(e.key, e.detail);
    throw e;
  }
  for (const s of sets) {
    const [section, key] = s.slice(0, s.indexOf('=')).split('.');
    const sec = out[section] as Record<string, unknown> | undefined;
    const v = sec?.[key];
    if (isListKey(section, key) && typeof v === 'string') sec![key] = v === '' ? [] : v.split(',');
  }
  return out;
}

/** `<home>/config.toml` with `--set` overrides applied, checked against the schema. */
export function readNativeConfig(home: string, sets: readonly string[] = []): NativeClientConfig {
  const file = configPath(home);
  if (!existsSync(file))
    throw new NativeConfigError('config', `${file} not found (run nymph client init first)`);
  let table: TomlTable;
  try {
    table = readToml(file);
  } catch (e) {
    if (e instanceof NodeConfigError) throw new NativeConfigError('config', e.detail);
    throw e;
  }
  return nativeConfigFromToml(applyNativeOverrides(table, sets));
}

/** Writes `<home>/config.toml` (0600: it may hold a mnemonic), after checking it. */
export function writeNativeConfig(
  home: string,
  config: NativeClientConfig,
  header = '# nymph native client',
): string {
  const checked = nativeConfigFromToml(config as unknown as TomlTable);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const file = configPath(home);
  writeToml(file, checked as unknown as TomlTable, header);
  chmodSync(file, 0o600);
  return file;
}

export async function init({ node, host, net }: RoleInitContext): Promise<void> {
  // spread the clients over the gateways, in a stable order
  const c = localnetClientConfig(node, net, node.index, host);
  c.socket = { ...c.socket, host, port: node.ports.websocket };
  writeNativeConfig(node.home, c, '# nymph native client (written by nymph localnet up)');
}

/** `--port` overrides socket.port; `--set section.key=value` any key. */
export async function start(o: RoleStartOptions): Promise<RunningRole> {
  const config = readNativeConfig(o.home, o.set ?? []);
  const port = o.flags?.port;
  if (port !== undefined) {
    const n = Number(port);
    if (!Number.isInteger(n) || n < 0 || n > 65_535)
      throw new NativeConfigError('socket.port', `--port ${String(port)}`);
    config.socket.port = n;
  }
  const level = o.logLevel ?? process.env.LOG_LEVEL ?? 'info';
  const logger = o.logger ?? pino({ name: 'client', level }, pino.destination(2));
  const { startNativeClient } = await preload();
  const c = await startNativeClient({ home: o.home, config, logger, signal: o.signal });
  return {
    ready: {
      address: c.address,
      port: c.port,
      websocket: c.websocket,
      metrics: c.metrics,
      // from process start (performance's time origin) to registered with topology
      ready_ms: Math.round(performance.now()),
    },
    stop: () => c.close(),
  };
}

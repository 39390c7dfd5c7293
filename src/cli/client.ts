/**
 * `nymph client init --home DIR --nym-api URL [...] [--set section.key=value]` writes
 * DIR/config.toml (../client/native-config.ts), creates keys and registers with a gateway;
 * `nymph client run --home DIR [--port 1977] [--set section.key=value ...]` runs the native
 * websocket client until SIGINT/SIGTERM. On start `run` prints one JSON line on stdout
 * ({"event":"client_ready", address, port, websocket, metrics, ready_ms}); logs go to stderr.
 * A local network's clients run exactly this command.
 */
import fs from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { pino } from 'pino';
import { TRAFFIC_MODES } from '../client/config.js';
import { defaultNativeConfig, nativeConfigFromToml } from '../client/native-config.js';
import { configPath, type TomlTable } from '../node/config.js';
import { roleByName } from '../roles.js';
import { applyNativeOverrides, writeNativeConfig } from '../roles/client.js';
import { addRunCommand, collect, intFlag } from './role-run.js';

interface InitFlags {
  home: string;
  nymApi: string[];
  gateway?: string;
  mode?: string;
  port?: string;
  set: string[];
  offline?: boolean;
  force?: boolean;
}

export function register(program: Command): void {
  const spec = roleByName('client');
  const cmd = program.command(spec.command).description(spec.description);
  cmd
    .command('init')
    .description('write DIR/config.toml and create keys, then register with a gateway')
    .requiredOption('--home <dir>', 'home directory')
    .option('--nym-api <url>', 'nym-api base URL (repeatable)', collect, [])
    .option('--gateway <identity>', 'gateway identity (default: lowest latency)')
    .option('--mode <mode>', `traffic mode: ${Object.keys(TRAFFIC_MODES).join(', ')}`)
    .option('--port <port>', 'websocket API port (default 1977)')
    .option('-s, --set <section.key=value>', 'set any config key (repeatable)', collect, [])
    .option('--offline', 'do not register now (the first run will)')
    .option('--force', 'overwrite an existing config (keys are kept)')
    .action(async (f: InitFlags) => {
      const home = resolve(f.home);
      const file = configPath(home);
      if (fs.existsSync(file) && !f.force) throw new Error(`client: ${file} exists (use --force)`);
      const sets: string[] = [];
      if (f.nymApi.length) sets.push(`client.nym_api_urls=${JSON.stringify(f.nymApi)}`);
      if (f.gateway) sets.push(`client.gateway=${JSON.stringify(f.gateway)}`);
      if (f.mode) sets.push(`client.mode=${JSON.stringify(f.mode)}`);
      const port = intFlag('client', f.port, 'port');
      if (port !== undefined) sets.push(`socket.port=${port}`);
      const config = nativeConfigFromToml(
        applyNativeOverrides(defaultNativeConfig() as unknown as TomlTable, [...sets, ...f.set]),
      );
      writeNativeConfig(home, config);
      let address: string | null = null;
      if (!f.offline) {
        const { registerNativeClient } = await import('../client/native-runner.js');
        const logger = pino({ name: 'client', level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2));
        address = await registerNativeClient({ home, config, logger });
      }
      process.stdout.write(`${JSON.stringify({ event: 'client_init', home, config: file, address })}\n`);
    });
  addRunCommand(cmd, spec, {
    set: true,
    options: (run) =>
      run
        .option('--port <port>', 'websocket API port (overrides socket.port)')
        .option('--log-level <level>', 'pino log level (default: $LOG_LEVEL, else info)'),
  });
}

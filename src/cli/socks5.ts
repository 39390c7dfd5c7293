/**
 * `nymph socks5 init --home DIR --provider ADDRESS --nym-api URL [--port 1080] [--set
 * section.key=value] [--offline]` writes DIR/config.toml, creates keys and registers with a
 * gateway; `nymph socks5 run --home DIR [--port P] [--provider ADDRESS] [--set ...]` runs
 * the SOCKS4/4a/5 server until SIGINT/SIGTERM, printing one JSON line on stdout
 * ({"event":"socks5_ready", socks, port, address, provider, ...}). Then, for example:
 * `curl --socks5-hostname 127.0.0.1:1080 http://example.com/`. A local network's SOCKS
 * clients run exactly this command.
 */
import fs from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { pino } from 'pino';
import { TRAFFIC_MODES } from '../client/config.js';
import { defaultNativeConfig } from '../client/native-config.js';
import { applyOverrides, configPath, type TomlTable } from '../node/config.js';
import { socks5SectionFrom } from '../socks5/index.js';
import { roleByName } from '../roles.js';
import {
  clientSectionsTable,
  serviceConfigFrom,
  startServiceClient,
  writeServiceConfig,
} from '../roles/service-client.js';
import { addRunCommand, collect, intFlag } from './role-run.js';

interface InitFlags {
  home: string;
  provider?: string;
  nymApi: string[];
  gateway?: string;
  mode?: string;
  port?: string;
  set: string[];
  offline?: boolean;
  force?: boolean;
}

export function register(program: Command): void {
  const spec = roleByName('socks5');
  const cmd = program.command(spec.command).description(spec.description);
  cmd
    .command('init')
    .description('write DIR/config.toml and create keys, then register with a gateway')
    .requiredOption('--home <dir>', 'home directory')
    .option('--provider <address>', "the network requester's Nym address")
    .option('--nym-api <url>', 'nym-api base URL (repeatable)', collect, [])
    .option('--gateway <identity>', 'gateway identity (default: lowest latency)')
    .option('--mode <mode>', `traffic mode: ${Object.keys(TRAFFIC_MODES).join(', ')}`)
    .option('--port <port>', 'SOCKS port (default 1080)')
    .option('-s, --set <section.key=value>', 'set any config key (repeatable)', collect, [])
    .option('--offline', 'do not register now (the first run will)')
    .option('--force', 'overwrite an existing config (keys are kept)')
    .action(async (f: InitFlags) => {
      const home = resolve(f.home);
      const file = configPath(home);
      if (fs.existsSync(file) && !f.force) throw new Error(`socks5: ${file} exists (use --force)`);
      const sets: string[] = [];
      if (f.nymApi.length) sets.push(`client.nym_api_urls=${JSON.stringify(f.nymApi)}`);
      if (f.gateway) sets.push(`client.gateway=${JSON.stringify(f.gateway)}`);
      if (f.mode) sets.push(`client.mode=${JSON.stringify(f.mode)}`);
      if (f.provider) sets.push(`socks5.provider=${JSON.stringify(f.provider)}`);
      const port = intFlag('socks5', f.port, 'port');
      if (port !== undefined) sets.push(`socks5.port=${port}`);
      const base: TomlTable = { ...clientSectionsTable(defaultNativeConfig()), socks5: {} };
      const cfg = serviceConfigFrom(
        'socks5',
        'socks5',
        applyOverrides(base, [...sets, ...f.set]),
        socks5SectionFrom,
      );
      writeServiceConfig(
        home,
        { ...clientSectionsTable(cfg.client), socks5: cfg.service as unknown as TomlTable },
        '# nymph SOCKS client',
      );
      let address: string | null = null;
      if (!f.offline) {
        const logger = pino({ name: 'socks5', level: process.env.LOG_LEVEL ?? 'warn' }, pino.destination(2));
        const c = await startServiceClient({
          role: 'socks5',
          home,
          config: cfg.client,
          packetSize: cfg.service.packet_size,
          logger,
        });
        address = c.address;
        await c.close();
      }
      process.stdout.write(`${JSON.stringify({ event: 'socks5_init', home, config: file, address })}\n`);
    });
  addRunCommand(cmd, spec, {
    set: true,
    options: (run) =>
      run
        .option('--port <port>', 'SOCKS port (overrides socks5.port)')
        .option('--provider <address>', 'network requester address (overrides socks5.provider)')
        .option('--log-level <level>', 'pino log level (default: $LOG_LEVEL, else info)'),
  });
}

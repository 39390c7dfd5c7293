/**
 * `nymph requester init --home DIR --nym-api URL [--open-proxy] [--allow HOST ...] [--set
 * section.key=value] [--offline]` writes DIR/config.toml and DIR/allowed.list, creates keys
 * and registers with a gateway, printing the requester's address;
 * `nymph requester run --home DIR [--open-proxy] [--set ...]` runs it until SIGINT/SIGTERM,
 * printing one JSON line on stdout ({"event":"requester_ready", address, allowed_list, ...}).
 * A local network's requesters run exactly this command.
 */
import fs from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { pino } from 'pino';
import { TRAFFIC_MODES } from '../client/config.js';
import { defaultNativeConfig } from '../client/native-config.js';
import { configPath, applyOverrides, type TomlTable } from '../node/config.js';
import { requesterSectionFrom } from '../requester/index.js';
import { roleByName } from '../roles.js';
import { writeAllowList } from '../roles/requester.js';
import {
  clientSectionsTable,
  serviceConfigFrom,
  startServiceClient,
  writeServiceConfig,
} from '../roles/service-client.js';
import { addRunCommand, collect } from './role-run.js';

interface InitFlags {
  home: string;
  nymApi: string[];
  gateway?: string;
  mode?: string;
  openProxy?: boolean;
  allow: string[];
  set: string[];
  offline?: boolean;
  force?: boolean;
}

export function register(program: Command): void {
  const spec = roleByName('requester');
  const cmd = program.command(spec.command).description(spec.description);
  cmd
    .command('init')
    .description('write DIR/config.toml and DIR/allowed.list, create keys, then register with a gateway')
    .requiredOption('--home <dir>', 'home directory')
    .option('--nym-api <url>', 'nym-api base URL (repeatable)', collect, [])
    .option('--gateway <identity>', 'gateway identity (default: lowest latency)')
    .option('--mode <mode>', `traffic mode: ${Object.keys(TRAFFIC_MODES).join(', ')}`)
    .option('--open-proxy', 'connect to any public host (private addresses still need allowed.list)')
    .option('--allow <host>', 'a line for a new allowed.list (repeatable)', collect, [])
    .option('-s, --set <section.key=value>', 'set any config key (repeatable)', collect, [])
    .option('--offline', 'do not register now (the first run will)')
    .option('--force', 'overwrite an existing config (keys and allowed.list are kept)')
    .action(async (f: InitFlags) => {
      const home = resolve(f.home);
      const file = configPath(home);
      if (fs.existsSync(file) && !f.force) throw new Error(`requester: ${file} exists (use --force)`);
      const sets: string[] = [];
      if (f.nymApi.length) sets.push(`client.nym_api_urls=${JSON.stringify(f.nymApi)}`);
      if (f.gateway) sets.push(`client.gateway=${JSON.stringify(f.gateway)}`);
      if (f.mode) sets.push(`client.mode=${JSON.stringify(f.mode)}`);
      if (f.openProxy) sets.push('requester.open_proxy=true');
      const base: TomlTable = { ...clientSectionsTable(defaultNativeConfig()), requester: {} };
      const cfg = serviceConfigFrom(
        'requester',
        'requester',
        applyOverrides(base, [...sets, ...f.set]),
        requesterSectionFrom,
      );
      writeServiceConfig(
        home,
        { ...clientSectionsTable(cfg.client), requester: cfg.service as unknown as TomlTable },
        '# nymph network requester',
      );
      const allowed = writeAllowList(
        home,
        cfg.service,
        `# allowed.list (Nym's format: a host, address or CIDR per line)\n${f.allow.join('\n')}\n`,
      );
      let address: string | null = null;
      if (!f.offline) {
        const logger = pino(
          { name: 'requester', level: process.env.LOG_LEVEL ?? 'warn' },
          pino.destination(2),
        );
        const c = await startServiceClient({
          role: 'requester',
          home,
          config: cfg.client,
          packetSize: cfg.service.packet_size,
          logger,
        });
        address = c.address;
        await c.close();
      }
      process.stdout.write(
        `${JSON.stringify({ event: 'requester_init', home, config: file, allowed_list: allowed, address })}\n`,
      );
    });
  addRunCommand(cmd, spec, {
    set: true,
    options: (run) =>
      run
        .option('--open-proxy', 'connect to any public host (overrides requester.open_proxy)')
        .option('--log-level <level>', 'pino log level (default: $LOG_LEVEL, else info)'),
  });
}

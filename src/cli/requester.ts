/**
 * `nymph requester init --home DIR --nym-api URL [--open-proxy] [--allow HOST ...] [--set
 * section.key=value] [--offline]` writes DIR/config.toml and DIR/allowed.list, creates keys
 * and registers with a gateway, printing the requester's address;
 * `nymph requester run --home DIR [--open-proxy] [--set ...]` runs it until SIGINT/SIGTERM,
 * printing one JSON line on stdout ({"event":"requester_ready", address, allowed_list, ...}).
 * A local network's requesters run exactly this command.
 */
import type { Command } from 'commander';
import { defaultNativeConfig } from '../client/native-config.js';
import { applyOverrides, type TomlTable } from '../node/config.js';
import { requesterSectionFrom } from '../requester/index.js';
import { roleByName } from '../roles.js';
import { writeAllowList } from '../roles/requester.js';
import {
  clientSectionsTable,
  serviceConfigFrom,
  startServiceClient,
  writeServiceConfig,
} from '../roles/service-client.js';
import { addClientInitCommand, addRunCommand, collect } from './role-run.js';

export function register(program: Command): void {
  const spec = roleByName('requester');
  const cmd = program.command(spec.command).description(spec.description);
  addClientInitCommand(cmd, 'requester', {
    description: 'write DIR/config.toml and DIR/allowed.list, create keys, then register with a gateway',
    keeps: 'keys and allowed.list are',
    options: (init) =>
      init
        .option('--open-proxy', 'connect to any public host (private addresses still need allowed.list)')
        .option('--allow <host>', 'a line for a new allowed.list (repeatable)', collect, []),
    action: async ({ home, flags, sets, logger }) => {
      if (flags.openProxy) sets.push('requester.open_proxy=true');
      const base: TomlTable = { ...clientSectionsTable(defaultNativeConfig()), requester: {} };
      const cfg = serviceConfigFrom(
        'requester',
        'requester',
        applyOverrides(base, [...sets, ...flags.set]),
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
        `# allowed.list (Nym's format: a host, address or CIDR per line)\n${(flags.allow as string[]).join('\n')}\n`,
      );
      let address: string | null = null;
      if (!flags.offline) {
        const c = await startServiceClient({
          role: 'requester',
          home,
          config: cfg.client,
          packetSize: cfg.service.packet_size,
          logger: logger(),
        });
        address = c.address;
        await c.close();
      }
      return { allowed_list: allowed, address };
    },
  });
  addRunCommand(cmd, spec, {
    set: true,
    options: (run) =>
      run
        .option('--open-proxy', 'connect to any public host (overrides requester.open_proxy)')
        .option('--log-level <level>', 'pino log level (default: $LOG_LEVEL, else info)'),
  });
}

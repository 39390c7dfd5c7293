/**
 * `nymph socks5 init --home DIR --provider ADDRESS --nym-api URL [--port 1080] [--set
 * section.key=value] [--offline]` writes DIR/config.toml, creates keys and registers with a
 * gateway; `nymph socks5 run --home DIR [--port P] [--provider ADDRESS] [--set ...]` runs
 * the SOCKS4/4a/5 server until SIGINT/SIGTERM, printing one JSON line on stdout
 * ({"event":"socks5_ready", socks, port, address, provider, ...}). Then, for example:
 * `curl --socks5-hostname 127.0.0.1:1080 http://example.com/`. A local network's SOCKS
 * clients run exactly this command.
 */
import type { Command } from 'commander';
import { defaultNativeConfig } from '../client/native-config.js';
import { applyOverrides, type TomlTable } from '../node/config.js';
import { socks5SectionFrom } from '../socks5/index.js';
import { roleByName } from '../roles.js';
import {
  clientSectionsTable,
  serviceConfigFrom,
  startServiceClient,
  writeServiceConfig,
} from '../roles/service-client.js';
import { addClientInitCommand, addRunCommand, intFlag } from './role-run.js';

export function register(program: Command): void {
  const spec = roleByName('socks5');
  const cmd = program.command(spec.command).description(spec.description);
  addClientInitCommand(cmd, 'socks5', {
    description: 'write DIR/config.toml and create keys, then register with a gateway',
    options: (init) =>
      init
        .option('--provider <address>', "the network requester's Nym address")
        .option('--port <port>', 'SOCKS port (default 1080)'),
    action: async ({ home, flags, sets, logger }) => {
      if (flags.provider) sets.push(`socks5.provider=${JSON.stringify(flags.provider)}`);
      const port = intFlag('socks5', flags.port as string | undefined, 'port');
      if (port !== undefined) sets.push(`socks5.port=${port}`);
      const base: TomlTable = { ...clientSectionsTable(defaultNativeConfig()), socks5: {} };
      const cfg = serviceConfigFrom(
        'socks5',
        'socks5',
        applyOverrides(base, [...sets, ...flags.set]),
        socks5SectionFrom,
      );
      writeServiceConfig(
        home,
        { ...clientSectionsTable(cfg.client), socks5: cfg.service as unknown as TomlTable },
        '# nymph SOCKS client',
      );
      let address: string | null = null;
      if (!flags.offline) {
        const c = await startServiceClient({
          role: 'socks5',
          home,
          config: cfg.client,
          packetSize: cfg.service.packet_size,
          logger: logger(),
        });
        address = c.address;
        await c.close();
      }
      return { address };
    },
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

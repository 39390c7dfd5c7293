/**
 * `nymph client init --home DIR --nym-api URL [...] [--set section.key=value]` writes
 * DIR/config.toml (../client/native-config.ts), creates keys and registers with a gateway;
 * `nymph client run --home DIR [--port 1977] [--set section.key=value ...]` runs the native
 * websocket client until SIGINT/SIGTERM. On start `run` prints one JSON line on stdout
 * ({"event":"client_ready", address, port, websocket, metrics, ready_ms}); logs go to stderr.
 * A local network's clients run exactly this command.
 */
import type { Command } from 'commander';
import { defaultNativeConfig, nativeConfigFromToml } from '../client/native-config.js';
import type { TomlTable } from '../node/config.js';
import { roleByName } from '../roles.js';
import { applyNativeOverrides, writeNativeConfig } from '../roles/client.js';
import { addClientInitCommand, addRunCommand, intFlag } from './role-run.js';

export function register(program: Command): void {
  const spec = roleByName('client');
  const cmd = program.command(spec.command).description(spec.description);
  addClientInitCommand(cmd, 'client', {
    description: 'write DIR/config.toml and create keys, then register with a gateway',
    options: (init) => init.option('--port <port>', 'websocket API port (default 1977)'),
    action: async ({ home, flags, sets, logger }) => {
      const port = intFlag('client', flags.port as string | undefined, 'port');
      if (port !== undefined) sets.push(`socket.port=${port}`);
      const config = nativeConfigFromToml(
        applyNativeOverrides(defaultNativeConfig() as unknown as TomlTable, [...sets, ...flags.set]),
      );
      writeNativeConfig(home, config);
      let address: string | null = null;
      if (!flags.offline) {
        const { registerNativeClient } = await import('../client/native-runner.js');
        address = await registerNativeClient({ home, config, logger: logger() });
      }
      return { address };
    },
  });
  addRunCommand(cmd, spec, {
    set: true,
    options: (run) =>
      run
        .option('--port <port>', 'websocket API port (overrides socket.port)')
        .option('--log-level <level>', 'pino log level (default: $LOG_LEVEL, else info)'),
  });
}

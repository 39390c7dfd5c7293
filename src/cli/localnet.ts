/**
 * `nymph localnet up|down|status`: a whole Nym-style network on this machine, and
 * `nymph demo sphinx`: the Sphinx codec demonstration.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ROLES, type CountOption } from '../roles.js';

/** Roles a local network runs a chosen number of (their `localnet up` flags). */
const COUNTED = ROLES.flatMap((r) => (r.count ? [r.count] : []));
const camel = (flag: string): string => flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

interface UpFlags {
  home: string;
  reset?: boolean;
  detach?: boolean;
  threshold?: string;
  rotationSecs?: string;
  trustedDealer?: boolean;
  mode?: string;
  ports?: string;
  basePort?: string;
  host?: string;
  processes?: string;
  placement?: string;
  selfTest: boolean;
  logLevel: string;
  json?: boolean;
  /** One per counted role: `--mixnodes-per-layer`, `--gateways`, … */
  [countFlag: string]: unknown;
}

function int(v: string | undefined, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^[0-9]+$/.test(v)) throw new Error(`localnet: --${name} must be a non-negative integer, got ${v}`);
  return Number(v);
}

const fmt = (ms: number) => `${(ms / 1000).toFixed(2)}s`;

export function register(program: Command): void {
  const cmd = program
    .command('localnet')
    .description('a complete local network: chain, nym-apis, mix nodes, gateways and a native client');

  const up = cmd
    .command('up')
    .description('start (or resume) the network under --home; Ctrl-C stops it')
    .option('--home <dir>', 'localnet directory (all state and logs)', '.localnet')
    .option('--reset', 'stop and delete any previous network under --home first')
    .option('--detach', 'return once the network is up, leaving the roles running');
  for (const c of COUNTED) up.option(`--${c.flag} <n>`, `${c.help} (default ${c.default})`);
  up.option(
    '--threshold <t>',
    'Coconut threshold: shares needed for a credential (the DKG sets ⌈2n/3⌉ of n nym-apis; default 2)',
  )
    .option(
      '--trusted-dealer',
      "deal the nym-apis' Coconut key from one place (nymph api keygen) instead of running the DKG",
    )
    .option('--mode <mode>', 'client traffic mode: localnet, nym, no-delays, no-cover (default localnet)')
    .option(
      '--ports <fixed|auto>',
      "'fixed': 26657, 1977 and --base-port; 'auto': free ports (default fixed)",
    )
    .option(
      '--rotation-secs <s>',
      "Sphinx key rotation period, four epochs of s/4 (default 0: Nym's, 24 epochs of 1 h)",
    )
    .option('--base-port <port>', 'first port of the nym-apis, mix nodes and gateways (default 20000)')
    .option('--host <ip>', 'address every role listens on (default 127.0.0.1)')
    .option('--processes <model>', "'per-node' (default), 'per-role' (one process per role) or 'in-process'")
    .option('--placement <file.toml>', 'where each role runs: address and command prefix (multi-host)')
    .option('--no-self-test', 'skip the message to self')
    .option('--log-level <level>', 'log level of the roles (their logs are in DIR/logs)', 'info')
    .option('--json', 'print localnet.json on stdout once up')
    .action(async (f: UpFlags) => {
      const { localnetUp } = await import('../../localnet/network/up.js');
      const { readPlacement } = await import('../../localnet/network/placement.js');
      const processes = f.processes as 'per-node' | 'per-role' | 'in-process' | undefined;
      if (processes && !['per-node', 'per-role', 'in-process'].includes(processes))
        throw new Error(`localnet: --processes must be per-node, per-role or in-process`);
      if (f.detach && processes === 'in-process')
        throw new Error('localnet: --detach needs role processes, not --processes in-process');
      if (f.ports && f.ports !== 'fixed' && f.ports !== 'auto')
        throw new Error(`localnet: --ports must be fixed or auto, got ${f.ports}`);
      const out = (line: string) => process.stderr.write(`${line}\n`);
      out(`nymph localnet: starting in ${resolve(f.home)}`);
      const abort = new AbortController();
      const onSignal = () => abort.abort(new Error('interrupted'));
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const counts: Partial<Record<CountOption, number>> = {};
      for (const c of COUNTED) counts[c.option] = int(f[camel(c.flag)] as string | undefined, c.flag);
      let net;
      try {
        net = await localnetUp({
          home: f.home,
          reset: f.reset,
          detach: f.detach,
          ...counts,
          threshold: int(f.threshold, 'threshold'),
          rotationSecs: int(f.rotationSecs, 'rotation-secs'),
          trustedDealer: f.trustedDealer ? true : undefined,
          mode: f.mode as never,
          ports: f.ports as 'fixed' | 'auto' | undefined,
          basePort: int(f.basePort, 'base-port'),
          host: f.host,
          processes,
          placement: f.placement ? readPlacement(f.placement) : undefined,
          skipSelfTest: !f.selfTest,
          logLevel: f.logLevel,
          signal: abort.signal,
          onProgress: (e) => {
            const t = 'ms' in e ? `[${fmt(e.ms)}] ` : '';
            switch (e.step) {
              case 'spawn':
              case 'phase':
                return;
              case 'reset':
                return out(`  reset: previous network under ${e.home} removed`);
              case 'resume':
                return out(`  resuming the network under ${e.home}`);
              case 'fresh':
                return out(`  new network under ${e.home}`);
              case 'chain':
                return out(
                  `${t}chain up at ${e.rpc} (mixnet, bandwidth and coconut-dkg contracts at genesis)`,
                );
              case 'role':
                return out(`${t}${e.name} up${e.summary ? ` ${e.summary}` : ''}`);
              case 'dkg':
                return out(
                  `${t}DKG epoch ${e.epoch} in progress: ${e.dealers} nym-apis dealt a ${e.threshold}-of-${e.dealers} Coconut key (no trusted dealer)`,
                );
              case 'topology':
                return out(`${t}nym-api topology shows ${e.mixnodes} mix nodes and ${e.gateways} gateways`);
              case 'self-test':
                return out(`${t}message to self delivered through the mixnet in ${e.rttMs.toFixed(1)} ms`);
            }
          },
        });
      } catch (err) {
        out(`\n${(err as Error).message}`);
        out(`nymph localnet: start failed; every process it started has been stopped.`);
        process.exit(1);
      }
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      const i = net.info;
      out('');
      out(`Nymph localnet is up (${fmt(net.upMs)}). State and logs: ${i.home}`);
      out(`  chain RPC        ${i.chain.rpc}   (chain id ${i.chain.chain_id})`);
      out(`  test mnemonic    ${i.chain.mnemonic}`);
      out(`  nym-api          ${i.nym_apis.join('  ')}`);
      out(`  mix nodes        ${i.mixnodes.length} (3 layers)   gateways ${i.gateways.length}`);
      for (const c of i.clients) {
        out(`  ${c.name.padEnd(16)} ${c.websocket}`);
        out(`  ${''.padEnd(16)} address ${c.address}`);
      }
      if (i.self_test) out(`  self-test        round trip ${i.self_test.rtt_ms} ms`);
      if (i.web) {
        out(`  chat page        ${i.web.chat}`);
        out(`  explorer         ${i.web.explorer}`);
      }
      out(`  endpoints        ${join(i.home, 'localnet.json')}`);
      if (f.json) process.stdout.write(`${JSON.stringify(i)}\n`);
      if (f.detach) {
        out(`\nRunning in the background. Stop it with: nymph localnet down --home ${f.home}`);
        process.exit(0);
      }
      out('\nPress Ctrl-C to stop.');
      const why = await Promise.race([
        new Promise<string>((r) => process.once('SIGINT', () => r('SIGINT'))),
        new Promise<string>((r) => process.once('SIGTERM', () => r('SIGTERM'))),
        net.roleExited.then(({ name, code }) => `${name} exited (${code})`),
      ]);
      out(`\nnymph localnet: ${why}; stopping...`);
      const t0 = performance.now();
      await net.stop();
      out(`nymph localnet: stopped in ${fmt(performance.now() - t0)}`);
      process.exit(why.includes('exited') ? 1 : 0);
    });

  cmd
    .command('down')
    .description(
      'stop every process of the network under --home (spawned by up, or started by hand in its homes)',
    )
    .option('--home <dir>', 'localnet directory', '.localnet')
    .action(async (f: { home: string }) => {
      const { localnetDown } = await import('../../localnet/network/up.js');
      const t0 = performance.now();
      const stopped = await localnetDown(f.home);
      process.stderr.write(
        `nymph localnet: ${stopped.length ? `stopped ${stopped.length} processes` : 'nothing was running'} in ${fmt(performance.now() - t0)}\n`,
      );
    });

  cmd
    .command('status')
    .description(
      "print localnet.json and which of its processes are alive (found by up's record and by their homes' locks)",
    )
    .option('--home <dir>', 'localnet directory', '.localnet')
    .action(async (f: { home: string }) => {
      const { LOCALNET_FILE } = await import('../../localnet/network/up.js');
      const { networkProcesses } = await import('../../localnet/network/supervisor.js');
      const file = join(resolve(f.home), LOCALNET_FILE);
      const pids = networkProcesses(f.home);
      const info = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as unknown) : null;
      process.stdout.write(
        `${JSON.stringify({ running: pids.some((p) => p.alive), pids, localnet: info }, null, 2)}\n`,
      );
    });

  program
    .command('demo')
    .description('demonstrations')
    .command('sphinx')
    .description(
      'Sphinx codec: keys for 3 mix nodes and a gateway, a packet unwrapped hop by hop, a SURB reply',
    )
    .action(async () => {
      const { randomBytes } = await import('node:crypto');
      const { runSphinxDemo } = await import('../sphinx/demo.js');
      const random = (n: number) => new Uint8Array(randomBytes(n));
      const { delivered, reply } = runSphinxDemo({ random, log: (line) => console.log(line) });
      if (!delivered || !reply) {
        console.error('sphinx demo: message or reply was not delivered');
        process.exit(1);
      }
    });
}

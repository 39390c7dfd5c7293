/**
 * The registry of roles (src/roles.ts) is consistent: unique names, commands, log names and
 * ready events; fixed port blocks that cannot overlap; distinct accounts; every entry with
 * a CLI command (registering exactly its subcommands) and an in-process starter; and a
 * localnet planned from it gives every node its own ports and account.
 */
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import {
  PORT_BLOCK,
  ROLES,
  STAGES,
  UnknownRoleError,
  nodeCount,
  roleByCommand,
  roleByName,
} from '../../src/roles.js';
import { DEFAULT_LAYOUT, makePlan, type LayoutOptions } from '../../localnet/network/plan.js';

const unique = (xs: readonly unknown[]) => new Set(xs).size === xs.length;

describe('role registry', () => {
  it('names each role, command, log name and ready event once', () => {
    expect(unique(ROLES.map((r) => r.name))).toBe(true);
    expect(unique(ROLES.map((r) => r.command))).toBe(true);
    expect(unique(ROLES.map((r) => r.logName))).toBe(true);
    expect(unique(ROLES.map((r) => r.readyEvent))).toBe(true);
    const counted = ROLES.flatMap((r) => (r.count ? [r.count] : []));
    expect(unique(counted.map((c) => c.option))).toBe(true);
    expect(unique(counted.map((c) => c.flag))).toBe(true);
    for (const c of counted) {
      expect(c.default).toBeGreaterThanOrEqual(c.min);
      expect(c.default).toBeLessThanOrEqual(c.max);
    }
  });

  it('starts exactly one chain, first, and every other role in a later stage', () => {
    const chains = ROLES.filter((r) => r.stage === 'chain');
    expect(chains.map((r) => r.name)).toEqual(['chain']);
    expect(chains[0].count).toBeUndefined();
    expect(ROLES[0].stage).toBe('chain');
    for (const r of ROLES) expect(STAGES).toContain(r.stage);
  });

  it('gives every role fixed port blocks that cannot overlap', () => {
    const ranges: [string, number, number][] = [];
    for (const r of ROLES) {
      expect(unique(r.ports.map((p) => p.key)), r.name).toBe(true);
      for (const p of r.ports) {
        const kind = 'base' in p.fixed ? 'base' : 'absolute';
        const start = 'base' in p.fixed ? p.fixed.base : p.fixed.absolute;
        ranges.push([`${kind}:${r.name}.${p.key}`, start, start + PORT_BLOCK]);
      }
    }
    for (const kind of ['base', 'absolute'])
      for (const a of ranges.filter((x) => x[0].startsWith(kind)))
        for (const b of ranges.filter((x) => x[0].startsWith(kind) && x !== a))
          expect(a[2] <= b[1] || b[2] <= a[1], `${a[0]} overlaps ${b[0]}`).toBe(true);
  });

  it('has a CLI command registering its subcommands, and an in-process starter', async () => {
    for (const r of ROLES) {
      const program = new Command();
      (await r.cli())(program);
      const cmd = program.commands.find((c) => c.name() === r.command);
      expect(cmd, r.name).toBeDefined();
      expect(cmd!.commands.map((c) => c.name()).sort()).toEqual([...r.subcommands].sort());
      expect(r.subcommands).toContain('run');
      const mod = await r.load();
      expect(typeof mod.start, r.name).toBe('function');
      // localnet configures every role: through its config writer, or its run flags
      expect(mod.init !== undefined || r.runFlags !== undefined, r.name).toBe(true);
    }
  });

  it('finds roles by name and command, and refuses unknown ones with a typed error', () => {
    expect(roleByName('gateway').command).toBe('gateway');
    expect(roleByCommand('api').logName).toBe('nym-api');
    const e = (() => {
      try {
        roleByName('validator');
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(UnknownRoleError);
    expect((e as UnknownRoleError).code).toBe('unknown_role');
    expect(() => roleByCommand('mixnode-group')).toThrow(UnknownRoleError);
  });
});

describe('a network planned from the registry', () => {
  /** The largest network fixed ports allow: each role at its port block or count limit. */
  const largest = (): LayoutOptions => {
    const l: LayoutOptions = { ...DEFAULT_LAYOUT };
    for (const r of ROLES)
      if (r.count) l[r.count.option] = Math.min(r.count.max, Math.floor(PORT_BLOCK / r.count.nodesPerUnit));
    return l;
  };

  it('gives every node its own ports, in fixed and auto mode', async () => {
    for (const ports of ['fixed', 'auto'] as const) {
      const layout = { ...largest(), ports };
      const plan = await makePlan('/tmp/nymph-plan', layout);
      const all = plan.nodes.flatMap((n) => Object.values(n.ports));
      expect(unique(all), ports).toBe(true);
      for (const r of ROLES)
        expect(plan.nodes.filter((n) => n.role === r.name)).toHaveLength(nodeCount(r, layout));
    }
  });

  it('gives every node that needs one its own funded account, never the admin', async () => {
    const plan = await makePlan('/tmp/nymph-plan', largest());
    for (const r of ROLES)
      for (const n of plan.nodes.filter((x) => x.role === r.name))
        expect(n.account >= 0, n.name).toBe(r.accounts > 0);
    const accounts = plan.nodes.map((n) => n.account).filter((a) => a >= 0);
    expect(unique(accounts)).toBe(true);
    expect(Math.min(...accounts)).toBe(1);
    expect(plan.chainAccounts).toBeGreaterThan(Math.max(...accounts));
  });
});

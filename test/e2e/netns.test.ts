/**
 * Multi-host, shown on one Linux machine with network namespaces (NYMPH_NETNS=1, root):
 * the chain, the mix nodes (three namespaces of two) and the gateways each run in their
 * own namespace with its own address in a private 10.x range, joined by veth pairs on a
 * bridge; the nym-apis and the clients run on the bridge's own address. Every role reads
 * the same TOML it would read on a separate host, and bonds itself with the address of its
 * namespace; where each role runs comes from a placement TOML (`up --placement FILE`). Messages then cross the namespaces: to self, between clients, anonymously
 * with a reply.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localnetUp, type RunningLocalnet } from '../../localnet/network/up.js';
import { parsePlacement } from '../../localnet/network/placement.js';
import { isAlive } from '../../localnet/network/supervisor.js';
import { NativeWsApp } from '../../localnet/network/ws-client.js';

function skipReason(): string | undefined {
  if (process.env.NYMPH_NETNS !== '1') return 'set NYMPH_NETNS=1 to run it';
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'creating network namespaces needs root';
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return "the 'ip' command (iproute2) is missing";
  }
  return undefined;
}

const reason = skipReason();
if (reason) console.log(`netns multi-host test skipped: ${reason}`);

const id = (process.pid % 10_000).toString(36);
const subnet = `10.213.${100 + (process.pid % 150)}`;
const bridge = `nybr${id}`;
// namespace name, and its address's last byte
const namespaces = { chain: 10, mixa: 21, mixb: 22, mixc: 23, gw: 30 } as const;
type Ns = keyof typeof namespaces;
const nsName = (n: Ns) => `nymph-${id}-${n}`;
const addr = (n: Ns) => `${subnet}.${namespaces[n]}`;
const hostAddr = `${subnet}.1`;

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });

function setUpNetwork(): void {
  ip('link', 'add', bridge, 'type', 'bridge');
  ip('addr', 'add', `${hostAddr}/24`, 'dev', bridge);
  ip('link', 'set', bridge, 'up');
  let k = 0;
  for (const n of Object.keys(namespaces) as Ns[]) {
    const ns = nsName(n);
    const outside = `vy${id}${k}`;
    const inside = `vz${id}${k}`;
    k++;
    ip('netns', 'add', ns);
    ip('link', 'add', outside, 'type', 'veth', 'peer', 'name', inside);
    ip('link', 'set', inside, 'netns', ns);
    ip('link', 'set', outside, 'master', bridge);
    ip('link', 'set', outside, 'up');
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    ip('-n', ns, 'addr', 'add', `${addr(n)}/24`, 'dev', inside);
    ip('-n', ns, 'link', 'set', inside, 'up');
  }
}

function tearDownNetwork(): void {
  for (const n of Object.keys(namespaces) as Ns[]) {
    try {
      ip('netns', 'del', nsName(n)); // removes its veth end, and with it the pair
    } catch {
      // not created
    }
  }
  try {
    ip('link', 'del', bridge);
  } catch {
    // not created
  }
}

/** The placement file a person would write for three hosts' worth of namespaces. */
function placementToml(): string {
  const at = (n: Ns) => `host = "${addr(n)}"\nwrap = ["ip", "netns", "exec", "${nsName(n)}"]\n`;
  return [
    `[chain]\n${at('chain')}`,
    ...(['mixa', 'mixb', 'mixc'] as const).flatMap((n) => [`[[mixnode]]\n${at(n)}`, `[[mixnode]]\n${at(n)}`]),
    `[[gateway]]\n${at('gw')}`,
    // nym-apis and clients: no entry, they run on --host (this machine's bridge address)
  ].join('\n');
}

function pidsIn(n: Ns): number[] {
  return execFileSync('ip', ['netns', 'pids', nsName(n)], { encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map(Number);
}

describe.skipIf(reason !== undefined)('localnet across network namespaces', () => {
  let home = '';
  let net: RunningLocalnet | undefined;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'nymph-netns-'));
    tearDownNetwork();
    setUpNetwork();
    net = await localnetUp({
      home,
      host: hostAddr,
      ports: 'fixed',
      basePort: 31_000,
      clients: 2,
      placement: parsePlacement('placement.toml', placementToml()),
    });
  }, 150_000);

  afterAll(async () => {
    await net?.stop();
    tearDownNetwork();
    if (process.env.NYMPH_NETNS_KEEP === '1') console.log(`netns test: state and logs kept in ${home}`);
    else if (home) rmSync(home, { recursive: true, force: true });
  });

  it('runs each role in its namespace, announcing that namespace’s address', () => {
    const n = net!;
    const pid = (name: string) => n.pids.find((p) => p.name === name)!.pid;
    expect(n.info.chain.rpc).toBe(`http://${addr('chain')}:26657`);
    expect(pidsIn('chain')).toContain(pid('chain'));
    for (const [i, m] of n.info.mixnodes.entries()) {
      const ns = (['mixa', 'mixb', 'mixc'] as const)[Math.floor(i / 2)];
      expect(m.host).toBe(addr(ns));
      expect(pidsIn(ns)).toContain(pid(m.name));
    }
    for (const g of n.info.gateways) {
      expect(g.host).toBe(addr('gw'));
      expect(g.clients_url.startsWith(`ws://${addr('gw')}:`)).toBe(true);
      expect(pidsIn('gw')).toContain(pid(g.name));
    }
    for (const u of n.info.nym_apis) expect(u.startsWith(`http://${hostAddr}:`)).toBe(true);
  });

  it('bonds every node with its namespace address (as nym-api reports it)', async () => {
    const t = (await (await fetch(`${net!.info.nym_apis[0]}/v1/topology`)).json()) as {
      mixnodes: { layer: number; mix_node: { host: string } }[];
      gateways: { gateway: { host: string } }[];
    };
    const mixHosts = new Set(t.mixnodes.map((m) => m.mix_node.host));
    expect(mixHosts).toEqual(new Set([addr('mixa'), addr('mixb'), addr('mixc')]));
    expect(t.gateways.map((g) => g.gateway.host)).toEqual([addr('gw'), addr('gw')]);
    expect(new Set(t.mixnodes.map((m) => m.layer))).toEqual(new Set([1, 2, 3]));
  });

  const apps: NativeWsApp[] = [];
  const app = async (i: number) => (apps[i] ??= await NativeWsApp.connect(net!.info.clients[i].websocket));
  afterAll(() => apps.forEach((x) => x?.close()));

  it('carries a message to self across the namespaces', async () => {
    const a = await app(0);
    a.send(net!.info.clients[0].address, 'self across namespaces');
    expect((await a.next(15_000)).message).toBe('self across namespaces');
  });

  it('carries a message from one client to the other (through the other gateway)', async () => {
    const [a, b] = [await app(0), await app(1)];
    a.send(net!.info.clients[1].address, 'a to b');
    expect((await b.next(15_000)).message).toBe('a to b');
  });

  it('carries an anonymous message and its reply', async () => {
    const [a, b] = [await app(0), await app(1)];
    a.sendAnonymous(net!.info.clients[1].address, 'anonymous', 5);
    const m = await b.next(15_000);
    expect(m.senderTag).toBeTruthy();
    b.reply(m.senderTag!, 'reply');
    expect((await a.next(15_000)).message).toBe('reply');
  });

  it('stops every process, in every namespace', async () => {
    const pids = net!.pids;
    await net!.stop();
    net = undefined;
    for (const p of pids) expect(isAlive(p.pid)).toBe(false);
    for (const n of Object.keys(namespaces) as Ns[]) expect(pidsIn(n)).toEqual([]);
  });
});

/**
 * End to end: the whole local network as processes on free ports in a temp home (chain,
 * 3 nym-apis with a 2-of-3 Coconut key, 3 layers of 2 mix nodes, 2 gateways, 2 native
 * clients holding real bandwidth credentials, a network requester and a SOCKS client),
 * messages through the mixnet over Nym's native websocket API, teardown with every
 * process gone; then a resume through the CLI with --detach and `localnet down`; then a
 * start that fails and must leave nothing behind.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localnetUp, type ProgressEvent, type RunningLocalnet } from '../../localnet/network/up.js';
import { chainOf, makePlan, writeJson, DEFAULT_LAYOUT, PLAN_FILE } from '../../localnet/network/plan.js';
import {
  groupAlive,
  isAlive,
  readPidFile,
  NYMPH_BIN,
  RoleStartError,
} from '../../localnet/network/supervisor.js';
import { NativeWsApp } from '../../localnet/network/ws-client.js';
import { LocalnetOptionError, LocalnetPhaseError } from '../../localnet/network/errors.js';

const home = mkdtempSync(join(tmpdir(), 'nymph-e2e-'));
let net: RunningLocalnet | undefined;
const events: ProgressEvent[] = [];

describe('localnet end to end (role processes)', () => {
  beforeAll(async () => {
    net = await localnetUp({
      home,
      ports: 'auto',
      clients: 2,
      onProgress: (e) => events.push(e),
    });
  }, 120_000);

  afterAll(async () => {
    await net?.stop();
  });

  it('starts every role as its own process and records the endpoints', () => {
    const n = net!;
    const names = n.pids.map((p) => p.name).sort();
    expect(names).toEqual(
      [
        'chain',
        'client-1',
        'client-2',
        'gateway-1',
        'gateway-2',
        'mixnode-1',
        'mixnode-2',
        'mixnode-3',
        'mixnode-4',
        'mixnode-5',
        'mixnode-6',
        'nym-api-1',
        'nym-api-2',
        'nym-api-3',
        'requester-1',
        'socks5-1',
      ].sort(),
    );
    expect(new Set(n.pids.map((p) => p.pid)).size).toBe(n.pids.length);
    for (const p of n.pids) expect(isAlive(p.pid)).toBe(true);

    const info = JSON.parse(readFileSync(join(home, 'localnet.json'), 'utf8'));
    expect(info.chain.chain_id).toBe('nymph-localnet');
    expect(info.chain.rpc).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(info.chain.mnemonic.split(' ')).toHaveLength(24);
    expect(info.chain.accounts.length).toBeGreaterThan(10);
    expect(Object.keys(info.chain.contracts).sort()).toEqual(['bandwidth', 'coconut_dkg', 'mixnet']);
    expect(info.nym_apis).toHaveLength(3);
    expect(info.client.websocket).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);
    expect(info.client.address).toMatch(
      /^[1-9A-HJ-NP-Za-km-z]+\.[1-9A-HJ-NP-Za-km-z]+@[1-9A-HJ-NP-Za-km-z]+$/,
    );
    expect(info.mixnodes).toHaveLength(6);
    expect(info.gateways).toHaveLength(2);
    expect(info.self_test.rtt_ms).toBeGreaterThan(0);
    // the two clients were spread over the two gateways
    expect(info.clients[0].address.split('@')[1]).not.toBe(info.clients[1].address.split('@')[1]);
  });

  it('shows every node in every nym-api, bonded from its own account, in three layers', async () => {
    for (const url of net!.info.nym_apis) {
      const t = (await (await fetch(`${url}/v1/topology`)).json()) as {
        mixnodes: { layer: number; owner: string }[];
        gateways: { owner: string }[];
      };
      expect(t.mixnodes).toHaveLength(6);
      expect(t.gateways).toHaveLength(2);
      expect(t.mixnodes.map((m) => m.layer).sort()).toEqual([1, 1, 2, 2, 3, 3]);
      const owners = new Set([...t.mixnodes, ...t.gateways].map((b) => b.owner));
      expect(owners.size).toBe(8);
      for (const o of owners) expect(net!.info.chain.accounts.slice(1)).toContain(o);
    }
  });

  it('each client holds a credential issued by two nym-apis for a deposit on chain', () => {
    for (const c of net!.info.clients) {
      const log = readFileSync(join(home, 'logs', `${c.name}.log`), 'utf8');
      const issued = log.split('\n').find((l) => l.includes('bandwidth credential issued'));
      expect(issued).toBeDefined();
      const entry = JSON.parse(issued!) as { signers: number[]; deposit: string };
      expect(entry.signers).toHaveLength(2);
      expect(entry.deposit).toMatch(/^[0-9A-F]{64}$/);
      expect(log).toContain('bandwidth topped up');
    }
  });

  it('sends to self', async () => {
    const app = await NativeWsApp.connect(net!.info.clients[0].websocket);
    try {
      const me = await app.selfAddress();
      expect(me).toBe(net!.info.clients[0].address);
      app.send(me, 'to myself');
      expect((await app.next(15_000)).message).toBe('to myself');
    } finally {
      app.close();
    }
  });

  it('sends between two clients, and anonymously with a reply', async () => {
    const a = await NativeWsApp.connect(net!.info.clients[0].websocket);
    const b = await NativeWsApp.connect(net!.info.clients[1].websocket);
    try {
      const bAddr = await b.selfAddress();
      a.send(bAddr, 'hello b');
      const got = await b.next(15_000);
      expect(got.message).toBe('hello b');
      expect(got.senderTag).toBeUndefined();

      a.sendAnonymous(bAddr, 'who am I?', 5);
      const anon = await b.next(15_000);
      expect(anon.message).toBe('who am I?');
      expect(anon.senderTag).toBeTruthy();
      b.reply(anon.senderTag!, 'an anonymous sender');
      expect((await a.next(15_000)).message).toBe('an anonymous sender');
    } finally {
      a.close();
      b.close();
    }
  });

  it('stops cleanly: every process and process group is gone', async () => {
    const pids = net!.pids;
    await net!.stop();
    net = undefined;
    for (const p of pids) {
      expect(isAlive(p.pid)).toBe(false);
      expect(groupAlive(p.pid)).toBe(false);
    }
    expect(existsSync(join(home, 'pids.json'))).toBe(false);
  });

  let resumedPids: ReturnType<typeof readPidFile> = [];

  it('resumes the same network from the CLI with --detach', () => {
    const before = JSON.parse(readFileSync(join(home, 'localnet.json'), 'utf8'));
    const up = spawnSync(
      process.execPath,
      [NYMPH_BIN, 'localnet', 'up', '--home', home, '--detach', '--clients', '2'],
      {
        encoding: 'utf8',
        timeout: 90_000,
      },
    );
    expect(up.stderr).toContain('resuming the network');
    expect(up.stderr).toContain('message to self delivered');
    expect(up.status).toBe(0);
    resumedPids = readPidFile(home);
    expect(resumedPids.length).toBe(16);
    for (const p of resumedPids) expect(isAlive(p.pid)).toBe(true);
    const after = JSON.parse(readFileSync(join(home, 'localnet.json'), 'utf8'));
    // same keys, same chain state: the same client address and nodes
    expect(after.client.address).toBe(before.client.address);
    expect(after.mixnodes.map((m: { identity_key: string }) => m.identity_key)).toEqual(
      before.mixnodes.map((m: { identity_key: string }) => m.identity_key),
    );
  }, 120_000);

  let byHand: ReturnType<typeof spawn> | undefined;
  afterAll(() => {
    if (byHand && byHand.exitCode === null) byHand.kill('SIGKILL');
  });

  it('sees a role restarted by hand in its home, and refuses a second one there', async () => {
    const status = () =>
      JSON.parse(
        spawnSync(process.execPath, [NYMPH_BIN, 'localnet', 'status', '--home', home], { encoding: 'utf8' })
          .stdout,
      ) as { running: boolean; pids: { name: string; pid: number; alive: boolean; source: string }[] };
    // the operator stops mixnode-1 and runs it again by hand, from its home
    const spawned = resumedPids.find((p) => p.name === 'mixnode-1')!;
    process.kill(-spawned.pid, 'SIGTERM');
    for (let i = 0; i < 200 && isAlive(spawned.pid); i++) await new Promise((r) => setTimeout(r, 50));
    expect(isAlive(spawned.pid)).toBe(false);
    expect(status().pids.find((p) => p.pid === spawned.pid)?.alive).toBe(false);

    const mixHome = join(home, 'mixnode-1');
    byHand = spawn(
      process.execPath,
      [NYMPH_BIN, 'mixnode', 'run', '--home', mixHome, '--log-level', 'warn'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
      let out = '';
      let err = '';
      byHand!.stderr!.on('data', (d) => (err += d));
      byHand!.stdout!.on('data', (d) => {
        out += d;
        const line = out.split('\n').find((l) => l.includes('mixnode_ready'));
        if (line) resolve(JSON.parse(line));
      });
      byHand!.once('exit', (code) => reject(new Error(`mixnode run exited ${code}: ${err}`)));
    });
    expect(ready.event).toBe('mixnode_ready');
    const lock = JSON.parse(readFileSync(join(mixHome, 'nymph.lock'), 'utf8'));
    expect(lock).toMatchObject({ pid: byHand.pid, role: 'mixnode' });

    const s = status();
    expect(s.running).toBe(true);
    expect(s.pids).toContainEqual(
      expect.objectContaining({ name: 'mixnode-1', pid: byHand.pid, alive: true, source: 'home-lock' }),
    );

    // a second process on the same home is refused, naming the holder; the first runs on
    const second = spawnSync(process.execPath, [NYMPH_BIN, 'mixnode', 'run', '--home', mixHome], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(second.status).toBe(1);
    expect(second.stderr).toContain(`in use by mixnode process ${byHand.pid}`);
    expect(isAlive(byHand.pid!)).toBe(true);

    // and `up` refuses the home while that role runs
    const err = await localnetUp({ home }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LocalnetPhaseError);
    expect((err as LocalnetPhaseError).phase).toBe('prepare home');
    expect((err as Error).message).toContain(String(byHand.pid));
  }, 60_000);

  it('localnet down stops every process, the one started by hand included', async () => {
    const exited = new Promise((r) => byHand!.once('exit', r));
    const down = spawnSync(process.execPath, [NYMPH_BIN, 'localnet', 'down', '--home', home], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(down.status).toBe(0);
    // 15 spawned by up (mixnode-1's was stopped) and the one started by hand
    expect(down.stderr).toContain('stopped 16 processes');
    await exited;
    expect(isAlive(byHand!.pid!)).toBe(false);
    expect(existsSync(join(home, 'mixnode-1', 'nymph.lock'))).toBe(false);
    for (const p of resumedPids) {
      expect(isAlive(p.pid)).toBe(false);
      expect(groupAlive(p.pid)).toBe(false);
    }
  }, 60_000);
});

describe('localnet resume', () => {
  it('refuses to change the shape of an existing network without --reset', async () => {
    const err = await localnetUp({ home, gateways: 3 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LocalnetPhaseError);
    expect((err as LocalnetPhaseError).phase).toBe('plan');
    const cause = (err as LocalnetPhaseError).cause;
    expect(cause).toBeInstanceOf(LocalnetOptionError);
    expect((cause as LocalnetOptionError).option).toBe('gateways');
    expect(readPidFile(home)).toEqual([]);
  });
});

describe('localnet start failures', () => {
  const failHome = mkdtempSync(join(tmpdir(), 'nymph-e2e-fail-'));
  let blocker: Server;

  afterAll(() => {
    blocker?.close();
    rmSync(failHome, { recursive: true, force: true });
    rmSync(home, { recursive: true, force: true });
  });

  it('names the role that failed, with its log, and leaves no process behind', async () => {
    blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    const plan = await makePlan(failHome, { ...DEFAULT_LAYOUT, ports: 'auto', clients: 1 });
    chainOf(plan).ports.rpc = port; // taken: the chain cannot listen
    writeJson(join(failHome, PLAN_FILE), plan);
    const spawned: number[] = [];
    const err = await localnetUp({
      home: failHome,
      roleTimeoutMs: 30_000,
      onProgress: (ev) => {
        if (ev.step === 'spawn') spawned.push(ev.pid);
      },
    }).catch((e: unknown) => e);
    // the phase, then the role, named, with the end of its log
    expect(err).toBeInstanceOf(LocalnetPhaseError);
    expect((err as LocalnetPhaseError).phase).toBe('start chain');
    const e = (err as LocalnetPhaseError).cause as RoleStartError;
    expect(e).toBeInstanceOf(RoleStartError);
    expect(e.role).toBe('chain');
    expect(e.code).toBe('role_start');
    expect((err as Error).message).toMatch(/^localnet: start chain: chain failed to start/);
    expect(e.message).toMatch(/EADDRINUSE|address already in use/i);
    expect(e.message).toContain('last lines of its log');
    // the other roles had been started with the chain: all of them are gone, pid file too
    expect(spawned.length).toBe(15);
    for (const pid of spawned) {
      expect(isAlive(pid)).toBe(false);
      expect(groupAlive(pid)).toBe(false);
    }
    expect(readPidFile(failHome)).toEqual([]);
  }, 60_000);
});

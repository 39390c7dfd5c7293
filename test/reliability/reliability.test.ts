/**
 * The short form of `npm run reliability` (scripts/reliability.ts): every fault scenario
 * on one real localnet (role processes killed with SIGKILL, frozen with SIGSTOP,
 * attacked), with fewer messages and a shorter load, then the fuzz counts. Each scenario
 * is checked on its own: it must have moved messages (or made its attempts), and have
 * lost none, delivered none twice, and missed no target. A scenario that finds a loss
 * fails here as it makes the script exit 1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHORT } from '../../scripts/reliability/scenario.js';
import { runSuite, type SuiteReport } from '../../scripts/reliability/suite.js';

/**
 * As `npm run reliability` without --long (the load: 6 streams × 5 msg/s for 30 s over three
 * native clients), but 1,000 fuzz inputs per decoder: test/fuzz runs the 10,000 each of
 * `npm test` already; here the suite's wiring of the runner is what is checked.
 */
const sizes = { ...SHORT, fuzzInputs: 1_000 };
let report: SuiteReport;
const lines: string[] = [];

/** The missed targets of one scenario (the suite prefixes each with the scenario's name). */
const missed = (name: string) => report.failures.filter((f) => f.startsWith(`${name}:`));
/** The numbers of one key prefix. */
const numbersOf = (prefix: string) =>
  Object.fromEntries(Object.entries(report.numbers).filter(([k]) => k.startsWith(prefix)));

describe('reliability (short form)', () => {
  beforeAll(async () => {
    report = await runSuite({ sizes, log: (m) => lines.push(m) });
  }, 600_000);
  afterAll(() => {
    // the progress and the JSON line the script prints, for the log of a failed run
    process.stderr.write(`${lines.join('\n')}\n${JSON.stringify(report?.numbers ?? {})}\n`);
  });

  it('mix node kill -9 mid-transfer: every message once, and after its restart too', () => {
    expect(numbersOf('mixnode_kill_')).toMatchObject({
      mixnode_kill_sent: sizes.mixKill,
      mixnode_kill_delivered: sizes.mixKill,
      mixnode_kill_lost: 0,
      mixnode_kill_duplicated: 0,
    });
    expect(numbersOf('mixnode_restarted_')).toMatchObject({
      mixnode_restarted_sent: sizes.mixKill,
      mixnode_restarted_lost: 0,
      mixnode_restarted_duplicated: 0,
    });
    expect(missed('mixnode')).toEqual([]);
  });

  // Every message sent to the offline client reaches its gateway's store, and comes out once.
  // 1-3 of 200 went missing on loaded machines: the suite's kill -9 called the client gone
  // while threads of its process still held its socket open, so the gateway pushed the first
  // arrivals there (SURB-acked, never stored, never sent again). test/reliability/kill.test.ts
  // keeps the kill honest; the counters below say where a missing message went next time.
  it('gateway kill -9 with messages stored: every message stored, then delivered once', () => {
    expect(numbersOf('gateway_kill_stored_')).toMatchObject({
      gateway_kill_stored_sent: sizes.gatewayStored,
      gateway_kill_stored_at_gateway: sizes.gatewayStored,
      gateway_kill_stored_delivered: sizes.gatewayStored,
      gateway_kill_stored_lost: 0,
      gateway_kill_stored_duplicated: 0,
      gateway_kill_stored_pushed_live: 0,
      gateway_kill_stored_acked_not_stored: 0,
      gateway_kill_stored_sender_errors: 0,
    });
    expect(missed('gateway-stored')).toEqual([]);
  });

  // The gateway deletes a pushed message only on the native client's delivery receipt, and
  // the client keeps what it confirmed on disk and drops what it accepted before, across
  // restarts (src/gateway/authenticated.ts, src/client/delivered-store.ts).
  it('gateway and client kill -9 mid-drain: every message once', () => {
    expect(numbersOf('gateway_kill_drain_')).toMatchObject({
      gateway_kill_drain_sent: sizes.gatewayDrain,
      gateway_kill_drain_lost: 0,
      gateway_kill_drain_duplicated: 0,
    });
    expect(missed('gateway-drain')).toEqual([]);
  });

  it('native client restarted with messages waiting, and with no app attached: every message reaches the next app', () => {
    expect(numbersOf('client_')).toMatchObject({
      client_restart_sent: sizes.clientWaiting,
      client_restart_lost: 0,
      client_restart_duplicated: 0,
      client_no_app_sent: 5,
      client_no_app_lost: 0,
      client_no_app_duplicated: 0,
    });
    expect(missed('client')).toEqual([]);
  });

  it('chain kill -9: state kept, and the mixnet carried messages while it was down', () => {
    expect(numbersOf('chain_kill_')).toMatchObject({
      chain_kill_sent: sizes.chainOutage,
      chain_kill_lost: 0,
      chain_kill_duplicated: 0,
      chain_kill_state_lost: 0,
    });
    expect(missed('chain')).toEqual([]);
  });

  it('nym-api frozen and killed during issuance: both issuances finish, without hanging', () => {
    expect(numbersOf('issuance_')).toMatchObject({
      issuance_sent: 2,
      issuance_delivered: 2,
      issuance_lost: 0,
    });
    expect(report.numbers.issuance_frozen_ms).toBeLessThan(30_000);
    expect(report.numbers.issuance_killed_ms).toBeLessThan(30_000);
    expect(missed('issuance')).toEqual([]);
  });

  it('attacks: a stolen authenticate frame gets nothing, an evil Origin is refused, blind signing is idempotent, idle sockets are capped and closed', () => {
    expect(report.numbers).toMatchObject({
      stolen_auth_sent: 5,
      stolen_auth_stolen: 0,
      stolen_auth_lost: 0,
      evil_origin_native_accepted: 0,
      evil_origin_gateway_accepted: 0,
      blind_sign_retry_delivered: 2,
      blind_sign_other_request_accepted: 0,
    });
    for (const role of ['mixnode', 'gateway', 'api', 'client']) {
      expect(report.numbers[`idle_${role}_sent`]).toBe(sizes.idleSockets);
      expect(report.numbers[`idle_${role}_held_at_deadline`]).toBe(0);
    }
    expect(missed('attacks')).toEqual([]);
  });

  it('load: nothing lost or twice, RSS sampled', () => {
    expect(report.numbers.load_sent).toBeGreaterThan(0);
    expect(numbersOf('load_')).toMatchObject({ load_lost: 0, load_duplicated: 0 });
    // RSS was sampled for every role (its slope is judged by the long form only)
    expect(report.numbers.load_rss_samples).toBeGreaterThan(10);
    expect(Number.isFinite(report.numbers.rss_slope_max_kib_per_min)).toBe(true);
    expect(missed('load')).toEqual([]);
  });

  it('no role crashed, and the fuzzed decoders did not crash', () => {
    expect(report.numbers.role_crashes).toBe(0);
    expect(report.numbers.total_crashes).toBe(0);
    // the fuzz runner (scripts/fuzz) ran every decoder
    expect(report.numbers.fuzz_inputs).toBeGreaterThanOrEqual(8 * sizes.fuzzInputs);
    expect(report.numbers.fuzz_crashes).toBe(0);
    expect(missed('fuzz')).toEqual([]);
  });
});

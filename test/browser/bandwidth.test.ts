/**
 * The browser SDK's view of its bandwidth (src/sdk/bandwidth.ts), fed the gateway's
 * own response frames as src/gateway/protocol encodes them: when sending becomes impossible
 * (out of bandwidth, free bandwidth refused, no credential source; or the credential source
 * failing), and when it does not (a grant, or a gateway that still offers free bandwidth).
 * Runs in Node: the frames are the same text a page's socket receives.
 */
import { describe, expect, it } from 'vitest';
import {
  encodeGatewayResponse,
  errorResponse,
  FreeBandwidthDisabledError,
  OutOfBandwidthError,
} from '../../src/gateway/protocol/index.js';
import { BandwidthWatch, NoBandwidthError } from '../../src/sdk/bandwidth.js';

const outOfBandwidth = encodeGatewayResponse(errorResponse(new OutOfBandwidthError(0, 1632)));
const freeRefused = encodeGatewayResponse(errorResponse(new FreeBandwidthDisabledError()));
const granted = (n: number) => encodeGatewayResponse({ type: 'bandwidth', availableTotal: n });

describe('BandwidthWatch', () => {
  it('blocks a client without credentials once the gateway is out and refuses free bandwidth', () => {
    const w = new BandwidthWatch(false);
    let changes = 0;
    w.onChange(() => changes++);
    w.observe(granted(10_000));
    expect(w.available).toBe(10_000);
    w.observe(encodeGatewayResponse({ type: 'send', remainingBandwidth: 8_000 }));
    expect(w.available).toBe(8_000);
    w.observe(outOfBandwidth);
    // out, but the gateway may still grant free bandwidth: not blocked yet
    expect(w.exhausted).toBe(true);
    expect(w.blocked).toBeUndefined();
    w.observe(freeRefused);
    expect(w.blocked).toMatch(/no free bandwidth/);
    expect(changes).toBe(4);
    // a later grant (a credential shown by other means) unblocks
    w.observe(granted(64));
    expect(w.blocked).toBeUndefined();
  });

  it('with a credential source, blocks only while that source fails', async () => {
    const w = new BandwidthWatch(true);
    let fail = true;
    const source = w.credentials({
      next: () =>
        fail
          ? Promise.reject(new Error('deposit refused'))
          : Promise.resolve({ payload: new Uint8Array(1), spent: () => undefined }),
    });
    w.observe(outOfBandwidth);
    expect(w.blocked).toBeUndefined();
    await expect(source.next({} as never)).rejects.toThrow('deposit refused');
    expect(w.blocked).toMatch(/credential source failed: deposit refused/);
    fail = false;
    await source.next({} as never);
    expect(w.blocked).toBeUndefined();
  });

  it('ignores frames that are not bandwidth news, and text that is not a gateway response', () => {
    const w = new BandwidthWatch(false);
    w.observe('not json');
    w.observe('{"type":"nonsense"}');
    w.observe(encodeGatewayResponse({ type: 'supportedProtocol', version: 4 }));
    expect(w.available).toBeUndefined();
    expect(w.exhausted).toBe(false);
    expect(w.freeRefused).toBe(false);
  });

  it('NoBandwidthError is typed', () => {
    const e = new NoBandwidthError('why');
    expect(e.code).toBe('no_bandwidth');
    expect(e.name).toBe('NoBandwidthError');
    expect(e.message).toContain('why');
  });
});

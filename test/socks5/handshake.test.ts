/**
 * The pure parts under the SOCKS client: the app-side SOCKS4/4a/5 handshake (byte by byte
 * and pipelined, every refusal with its reply code), the ordered buffer (Nym's cases and a
 * property: any arrival order reads back in order), remote addresses and IP text forms.
 */
import fc from 'fast-check';
import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  BufferFullError,
  InvalidRemoteAddressError,
  OrderedMessageBuffer,
  SOCKS5_REPLY,
  SequenceAlreadyReadError,
  SequenceDuplicateError,
  SequenceTooFarError,
  SocksAddressTypeUnsupportedError,
  SocksCommandUnsupportedError,
  SocksFieldTooLongError,
  SocksHandshake,
  SocksMalformedError,
  SocksNoAcceptableMethodError,
  SocksVersionError,
  formatRemoteAddress,
  ipv6ToString,
  parseIp,
  parseIpv6,
  parseRemoteAddress,
  prefixMatches,
  type SocksStep,
} from '../../src/socks5/protocol/index.js';

const b = (...xs: number[]) => Uint8Array.from(xs);
const ascii = (s: string) => [...new TextEncoder().encode(s)];

/** Feeds all chunks; returns the last step and the replies written on the way. */
function run(chunks: Uint8Array[]): { last: SocksStep; replies: number[][] } {
  const h = new SocksHandshake();
  const replies: number[][] = [];
  let last: SocksStep = { kind: 'more' };
  for (const c of chunks)
    for (const s of h.feed(c)) {
      last = s;
      if (s.kind === 'reply') replies.push([...s.bytes]);
    }
  return { last, replies };
}

const oneByOne = (bytes: number[]) => bytes.map((x) => b(x));

describe('SOCKS5', () => {
  const greeting = [5, 1, 0];
  it('CONNECT to a domain, byte by byte and all at once, with early data', () => {
    const req = [5, 1, 0, 3, 11, ...ascii('Example.COM'), 0x01, 0xbb];
    for (const chunks of [oneByOne([...greeting, ...req]), [b(...greeting, ...req, 71, 69, 84)]]) {
      const { last, replies } = run(chunks);
      expect(replies).toEqual([[5, 0]]);
      if (last.kind !== 'connect') throw new Error(`expected connect, got ${last.kind}`);
      expect(last.version).toBe(5);
      expect(formatRemoteAddress(last.target)).toBe('example.com:443');
      if (chunks.length === 1) expect([...last.rest]).toEqual([71, 69, 84]);
    }
  });

  it('CONNECT to IPv4 and IPv6', () => {
    const v4 = run([b(...greeting), b(5, 1, 0, 1, 127, 0, 0, 1, 0x1f, 0x90)]).last;
    expect(v4.kind === 'connect' && formatRemoteAddress(v4.target)).toBe('127.0.0.1:8080');
    const v6 = run([b(...greeting), b(5, 1, 0, 4, ...new Array(15).fill(0), 1, 0, 80)]).last;
    expect(v6.kind === 'connect' && formatRemoteAddress(v6.target)).toBe('[::1]:80');
  });

  it('refusals: each with its reply code, and an error class', () => {
    const cases: [number[], number[] | undefined, new (...a: never[]) => Error][] = [
      // only username/password offered: 05 FF
      [[5, 1, 2], [5, 0xff], SocksNoAcceptableMethodError],
      [[5, 0], [5, 0xff], SocksNoAcceptableMethodError],
      // BIND and UDP ASSOCIATE: 07
      [
        [...greeting, 5, 2, 0, 1, 1, 2, 3, 4, 0, 80],
        [SOCKS5_REPLY.commandNotSupported],
        SocksCommandUnsupportedError,
      ],
      [
        [...greeting, 5, 3, 0, 1, 1, 2, 3, 4, 0, 80],
        [SOCKS5_REPLY.commandNotSupported],
        SocksCommandUnsupportedError,
      ],
      [
        [...greeting, 5, 9, 0, 1, 1, 2, 3, 4, 0, 80],
        [SOCKS5_REPLY.commandNotSupported],
        SocksCommandUnsupportedError,
      ],
      // unknown address type: 08
      [[...greeting, 5, 1, 0, 7], [SOCKS5_REPLY.addressTypeNotSupported], SocksAddressTypeUnsupportedError],
      // a request in another version, a bad domain, port 0: 01
      [[...greeting, 4, 1, 0, 1], [SOCKS5_REPLY.generalFailure], SocksVersionError],
      [
        [...greeting, 5, 1, 0, 3, 3, ...ascii('a b'), 0, 80],
        [SOCKS5_REPLY.generalFailure],
        SocksMalformedError,
      ],
      [[...greeting, 5, 1, 0, 1, 1, 2, 3, 4, 0, 0], [SOCKS5_REPLY.generalFailure], SocksMalformedError],
      // not SOCKS at all (an HTTP request): closed without a reply
      [ascii('GET / HTTP/1.1\r\n'), undefined, SocksVersionError],
    ];
    for (const [bytes, code, cls] of cases) {
      const { last } = run([Uint8Array.from(bytes)]);
      if (last.kind !== 'refuse') throw new Error(`expected a refusal for ${bytes.join(',')}`);
      expect(last.error).toBeInstanceOf(cls);
      if (code === undefined) expect(last.bytes).toBeUndefined();
      else if (code.length === 2) expect([...last.bytes!]).toEqual(code);
      else expect([...last.bytes!.subarray(0, 2)]).toEqual([5, code[0]]);
    }
  });

  it('any bytes end in more, connect or a refusal, never a throw', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 8 }), (chunks) => {
        const h = new SocksHandshake();
        for (const c of chunks)
          for (const s of h.feed(c)) expect(['more', 'reply', 'connect', 'refuse']).toContain(s.kind);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('SOCKS4 and SOCKS4a', () => {
  it('SOCKS4 CONNECT to an IPv4 address, with a user id', () => {
    const { last, replies } = run(oneByOne([4, 1, 0, 80, 10, 1, 2, 3, ...ascii('me'), 0]));
    expect(replies).toEqual([]);
    expect(last.kind === 'connect' && last.version === 4 && formatRemoteAddress(last.target)).toBe(
      '10.1.2.3:80',
    );
  });

  it('SOCKS4a CONNECT to a domain (0.0.0.x)', () => {
    const { last } = run([b(4, 1, 1, 0xbb, 0, 0, 0, 9, 0, ...ascii('localhost'), 0)]);
    expect(last.kind === 'connect' && formatRemoteAddress(last.target)).toBe('localhost:443');
  });

  it('refusals: BIND, overlong user id or domain, bad domain: 5B', () => {
    const cases: [number[], new (...a: never[]) => Error][] = [
      [[4, 2, 0, 80, 1, 2, 3, 4, 0], SocksCommandUnsupportedError],
      [[4, 1, 0, 80, 1, 2, 3, 4, ...new Array(300).fill(65)], SocksFieldTooLongError],
      [[4, 1, 0, 80, 0, 0, 0, 1, 0, ...new Array(300).fill(97)], SocksFieldTooLongError],
      [[4, 1, 0, 80, 0, 0, 0, 1, 0, ...ascii('no spaces'), 0], SocksMalformedError],
    ];
    for (const [bytes, cls] of cases) {
      const { last } = run([Uint8Array.from(bytes)]);
      if (last.kind !== 'refuse') throw new Error('expected a refusal');
      expect(last.error).toBeInstanceOf(cls);
      expect([...last.bytes!.subarray(0, 2)]).toEqual([0, 0x5b]);
    }
  });
});

describe('ordered buffer (Nym: common/socks5/ordered-buffer)', () => {
  it("Nym's cases: too far ahead, overwrite, already read", () => {
    const buf = new OrderedMessageBuffer();
    buf.write(0n, b(1, 2, 3, 4));
    buf.write(1n, b(5, 6, 7, 8));
    expect(() => buf.write(12345678n, b(1))).toThrow(SequenceTooFarError);
    expect(() => buf.write(1n, b(1))).toThrow(SequenceDuplicateError);
    const r = buf.read()!;
    expect([...r.data]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(r.lastSequence).toBe(1n);
    expect(() => buf.write(0n, b(1))).toThrow(SequenceAlreadyReadError);
    expect(buf.read()).toBeUndefined();
  });

  it('a gap holds back what follows until it is filled', () => {
    const buf = new OrderedMessageBuffer();
    buf.write(0n, b(0));
    buf.write(2n, b(2));
    expect([...buf.read()!.data]).toEqual([0]);
    expect(buf.read()).toBeUndefined();
    expect(buf.canReadUntil(2n)).toBe(false);
    buf.write(1n, b(1));
    expect(buf.canReadUntil(2n)).toBe(true);
    expect([...buf.read()!.data]).toEqual([1, 2]);
  });

  it('bounded bytes held out of order', () => {
    const buf = new OrderedMessageBuffer({ maxBufferedBytes: 10 });
    buf.write(1n, new Uint8Array(8));
    expect(() => buf.write(2n, new Uint8Array(8))).toThrow(BufferFullError);
  });

  it('property: any arrival order reads back the stream in order', () => {
    fc.assert(
      fc.property(
        fc
          .array(fc.uint8Array({ maxLength: 20 }), { minLength: 1, maxLength: 60 })
          .chain((msgs) =>
            fc.tuple(fc.constant(msgs), fc.shuffledSubarray([...msgs.keys()], { minLength: msgs.length })),
          ),
        ([msgs, order]) => {
          const buf = new OrderedMessageBuffer();
          const out: number[] = [];
          for (const i of order) {
            buf.write(BigInt(i), msgs[i]);
            const r = buf.read();
            if (r) out.push(...r.data);
          }
          expect(out).toEqual(msgs.flatMap((m) => [...m]));
          expect(buf.nextSequence).toBe(BigInt(msgs.length));
        },
      ),
    );
  });
});

describe('remote addresses and IP text', () => {
  it('parses and prints the three forms; reads Nym-style unbracketed IPv6', () => {
    expect(parseRemoteAddress('Example.com:443')).toMatchObject({
      type: 'domain',
      host: 'example.com',
      port: 443,
    });
    expect(parseRemoteAddress('127.0.0.1:80')).toMatchObject({ type: 'ipv4', port: 80 });
    expect(parseRemoteAddress('[::1]:80')).toMatchObject({ type: 'ipv6', host: '::1' });
    expect(parseRemoteAddress('0:0:0:0:0:0:0:1:80')).toMatchObject({ type: 'ipv6', host: '::1', port: 80 });
    for (const bad of ['nohost', 'a:0', 'a:65536', ':80', 'a b:80', '1.2.3.256:80', '[zz]:1', 'x:-1'])
      expect(() => parseRemoteAddress(bad), bad).toThrow(InvalidRemoteAddressError);
  });

  it('property: any remote address prints and parses back to itself', () => {
    const host = fc.oneof(fc.domain(), fc.ipV4(), fc.ipV6());
    fc.assert(
      fc.property(host, fc.integer({ min: 1, max: 65535 }), (h, port) => {
        const a = parseRemoteAddress(h.includes(':') ? `[${h}]:${port}` : `${h}:${port}`);
        expect(parseRemoteAddress(formatRemoteAddress(a))).toEqual(a);
      }),
    );
  });

  it('property: IPv6 text round trips and agrees with node:net', () => {
    fc.assert(
      fc.property(fc.ipV6(), (s) => {
        const bytes = parseIpv6(s);
        expect(bytes, s).toBeDefined();
        expect(isIP(ipv6ToString(bytes!))).toBe(6);
        expect([...parseIpv6(ipv6ToString(bytes!))!]).toEqual([...bytes!]);
      }),
    );
    fc.assert(
      fc.property(fc.string({ maxLength: 45 }), (s) => {
        // never more lenient than node:net
        if (parseIp(s)) expect(isIP(s)).not.toBe(0);
      }),
    );
  });

  it('CIDR prefixes', () => {
    expect(prefixMatches(parseIp('1.2.3.0')!, 24, parseIp('1.2.3.255')!)).toBe(true);
    expect(prefixMatches(parseIp('1.2.3.0')!, 24, parseIp('1.2.2.4')!)).toBe(false);
    expect(prefixMatches(parseIp('2620:0:2d0:200::7')!, 32, parseIp('2620:0:ffff::')!)).toBe(true);
    expect(prefixMatches(parseIp('::1')!, 128, parseIp('127.0.0.1')!)).toBe(false);
  });
});

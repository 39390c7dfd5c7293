import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  RECIPIENT_LEN,
  parseRecipient,
  recipientFromBytes,
  recipientToBytes,
  recipientToString,
} from '../../src/client/address.js';
import { InvalidAddressError } from '../../src/client/errors.js';

const key = fc.uint8Array({ minLength: 32, maxLength: 32 });
const recipient = fc.record({ identity: key, encryptionKey: key, gateway: key });

describe('recipient address', () => {
  it('round-trips through bytes and strings', () => {
    fc.assert(
      fc.property(recipient, (r) => {
        const b = recipientToBytes(r);
        expect(b.length).toBe(RECIPIENT_LEN);
        expect(recipientFromBytes(b)).toEqual(r);
        expect(parseRecipient(recipientToString(r))).toEqual(r);
      }),
    );
  });

  it("parses Nym's own example address", () => {
    const s =
      'CytBseW6yFXUMzz4SGAKdNLGR7q3sJLLYxyBGvutNEQV.4QXYyEVc5fUDjmmi8PrHN9tdUFV4PCvSJE1278cHyvoe@4sBbL1ngf1vtNqykydQKTFh26sQCw888GpUqvPvyNB4f';
    const r = parseRecipient(s);
    expect(recipientToString(r)).toBe(s);
    // binary layout: identity ‖ encryption ‖ gateway
    const b = recipientToBytes(r);
    expect(b.subarray(0, 32)).toEqual(r.identity);
    expect(b.subarray(64)).toEqual(r.gateway);
  });

  it.each([
    ['', "one '@'"],
    ['abc', "one '@'"],
    ['a@b@c', "one '@'"],
    ['a.b.c@d', "one '.'"],
    ['0OIl.x@y', 'base58'],
    ['2.2@2', 'decodes to'],
  ])('rejects %j with InvalidAddressError', (s, why) => {
    expect(() => parseRecipient(s)).toThrow(InvalidAddressError);
    expect(() => parseRecipient(s)).toThrow(why);
  });

  it('rejects wrong binary lengths and any string', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }).filter((b) => b.length !== 96),
        (b) => {
          expect(() => recipientFromBytes(b)).toThrow(InvalidAddressError);
        },
      ),
    );
    fc.assert(
      fc.property(fc.string(), (s) => {
        try {
          parseRecipient(s);
        } catch (e) {
          expect(e).toBeInstanceOf(InvalidAddressError);
        }
      }),
    );
  });
});

import { describe, expect, it } from 'vitest';
import {
  DEFAULT_USE_LEGACY_SPHINX_FORMAT,
  fragmentCapacity,
  InvalidArgumentError,
  InvalidKeyRotationError,
  keyRotationFromByte,
  NYM_CLIENT_DEFAULTS,
  PACKET_SIZE_TAGS,
  packetSizeForPlaintext,
  packetSizeFromTag,
  sphinxVersionFor,
} from '../../src/nymsphinx/index.js';
import { readVectors } from './helpers.js';

const W = readVectors('wasm-defaults.json');

describe("params against Nym's wasm client (scripts/gen-nymsphinx-vectors.ts)", () => {
  it('the wasm client was built from the commit the codecs follow', () => {
    expect(W.build.commit).toBe('b4046a8969805642ee82dfaffc1ecd1584899897');
  });

  it('builds legacy Sphinx packets and v1 SURB lists by default, as the wasm client', () => {
    expect(DEFAULT_USE_LEGACY_SPHINX_FORMAT).toBe(W.traffic.use_legacy_sphinx_format);
    expect(sphinxVersionFor(DEFAULT_USE_LEGACY_SPHINX_FORMAT)).toBe(258);
  });

  it("uses the wasm client's delays and reply-SURB thresholds", () => {
    const d = NYM_CLIENT_DEFAULTS;
    expect(d.averagePacketDelayMs).toBe(W.traffic.average_packet_delay_ms);
    expect(d.messageSendingAverageDelayMs).toBe(W.traffic.message_sending_average_delay_ms);
    expect(d.loopCoverAverageDelayMs).toBe(W.cover_traffic.loop_cover_traffic_average_delay_ms);
    expect(d.averageAckDelayMs).toBe(W.acknowledgements.average_ack_delay_ms);
    expect(d.ackWaitMultiplier).toBe(W.acknowledgements.ack_wait_multiplier);
    expect(d.ackWaitAdditionMs).toBe(W.acknowledgements.ack_wait_addition_ms);
    const r = W.reply_surbs;
    expect(d.minimumReplySurbStorageThreshold).toBe(r.minimum_reply_surb_storage_threshold);
    expect(d.maximumReplySurbStorageThreshold).toBe(r.maximum_reply_surb_storage_threshold);
    expect(d.minimumReplySurbRequestSize).toBe(r.minimum_reply_surb_request_size);
    expect(d.maximumReplySurbRequestSize).toBe(r.maximum_reply_surb_request_size);
    expect(d.maximumAllowedReplySurbRequestSize).toBe(r.maximum_allowed_reply_surb_request_size);
    expect(d.maximumReplySurbRerequestWaitingPeriodMs).toBe(r.maximum_reply_surb_rerequest_waiting_period_ms);
    expect(d.maximumReplySurbDropWaitingPeriodMs).toBe(r.maximum_reply_surb_drop_waiting_period_ms);
    expect(d.maximumReplySurbRerequests).toBe(r.maximum_reply_surbs_rerequests);
    expect(d.maximumReplyKeyAgeMs).toBe(r.maximum_reply_key_age_ms);
  });
});

describe('packet size tags and lookups', () => {
  it("map Nym's u8 tags both ways and reject others", () => {
    for (const [size, tag] of Object.entries(PACKET_SIZE_TAGS)) expect(packetSizeFromTag(tag)).toBe(size);
    expect(() => packetSizeFromTag(6)).toThrow(InvalidArgumentError);
    expect(packetSizeForPlaintext(2048)).toBe('regular');
    expect(packetSizeForPlaintext(2047)).toBeUndefined();
    expect(() => fragmentCapacity('ack')).toThrow(InvalidArgumentError);
    expect(() => keyRotationFromByte(3)).toThrow(InvalidKeyRotationError);
  });
});

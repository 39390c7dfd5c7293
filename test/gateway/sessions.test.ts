/**
 * Client sessions by phase, driven without sockets: a ClientConnection over an in-memory
 * socket and the real (in-memory) store. Each bad input gets Nym's error, and the
 * connection closes (before authentication) or carries on (after), as Nym's gateway does.
 */
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeNodeAddress } from '../../src/sphinx/index.js';
import { FREE_TESTNET_BANDWIDTH, ClientRegistry } from '../../src/gateway/context.js';
import {
  clientHandshakeFinish,
  clientHandshakeStart,
  createAuthenticateRequest,
  encodeForwardFrame,
  encodeMixPacket,
  errorCodeOfMessage,
  identityFromSeed,
  openSensitiveResponse,
  sealSensitiveRequest,
  type GatewayResponse,
  type IdentityKeys,
} from '../../src/gateway/protocol/index.js';
import {
  MemorySocket,
  finalHop,
  random,
  registerClient,
  sessionRig,
  type SessionRig,
} from './memory-session.js';

const hop = encodeNodeAddress({ host: '10.0.0.1', port: 1789 });
const codeOf = (m: GatewayResponse) => (m.type === 'error' ? errorCodeOfMessage(m.message) : m.type);
const tick = () => new Promise((r) => setTimeout(r, 20));

let rig: SessionRig;
afterEach(async () => rig?.close());

/** Registers through the in-memory socket; returns the socket and the shared key. */
async function register(r: SessionRig, identity?: IdentityKeys) {
  const c = await registerClient(r, identity);
  expect(c.registered).toEqual({ type: 'register', protocolVersion: 5, status: true });
  return { s: c.socket, key: c.key, identity: c.identity };
}

/** A message arriving from the mixnet for `identity`, as the final hop hands it over. */
function deliver(r: SessionRig, identity: IdentityKeys, message: Uint8Array): void {
  finalHop(r)([{ destination: identity.publicKey, payload: message }]);
}

const forward = (s: MemorySocket, key: Uint8Array, size = 2413) =>
  s.events!.onBinary(
    encodeForwardFrame(
      key,
      random(12),
      encodeMixPacket({ packetType: 0, nextHop: hop, packet: random(size) }),
    ),
  );

describe('a fresh connection', () => {
  it('registers, claims free bandwidth, forwards a packet and is answered `send`', async () => {
    rig = sessionRig({ freeBandwidth: true });
    const { s, key, identity } = await register(rig);
    expect(rig.ctx.clients.isRegistered(ClientRegistry.id(identity.publicKey))).toBe(true);
    s.request({ type: 'claimFreeTestnetBandwidth' });
    expect(await s.next()).toEqual({ type: 'bandwidth', availableTotal: FREE_TESTNET_BANDWIDTH });
    forward(s, key);
    expect(await s.next()).toEqual({ type: 'send', remainingBandwidth: FREE_TESTNET_BANDWIDTH - 2413 });
    expect(rig.forwarded).toHaveLength(1);
    expect(rig.forwarded[0].nextHop).toEqual(hop);
    expect(rig.forwarded[0].packet.length).toBe(2413);
    s.request({ type: 'supportedProtocol' });
    expect(await s.next()).toEqual({ type: 'supportedProtocol', version: 5 });
  });

  it('answers supportedProtocol and waits for the real first request', async () => {
    rig = sessionRig();
    const s = rig.connect();
    s.request({ type: 'supportedProtocol' });
    s.request({ type: 'supportedProtocol' });
    expect(s.take()).toEqual([
      { type: 'supportedProtocol', version: 5 },
      { type: 'supportedProtocol', version: 5 },
    ]);
    expect(s.closed).toBeUndefined();
  });

  it("closes on a binary frame before registration, with Nym's error", () => {
    rig = sessionRig();
    const s = rig.connect();
    s.events!.onBinary(random(200));
    expect(s.take()).toEqual([
      {
        type: 'error',
        message:
          'possibly received a sphinx packet without prior authentication. Request is going to be ignored',
      },
    ]);
    expect(s.closed?.code).toBe(4003);
    s.events!.onText('{"type":"supportedProtocol"}');
    expect(s.take()).toEqual([]);
  });

  it('closes on anything but register, authenticate or supportedProtocol', () => {
    rig = sessionRig();
    for (const text of [
      'nonsense',
      '{"type":"claimFreeTestnetBandwidth"}',
      '{"type":"bandwidthCredential","enc_credential":[],"iv":[]}',
      '{"type":"send"}',
    ]) {
      const s = rig.connect();
      s.events!.onText(text);
      expect(s.take()).toEqual([
        { type: 'error', message: "Only 'Register' or 'Authenticate' requests are allowed" },
      ]);
      expect(s.closed?.code).toBe(4003);
    }
    const legacy = rig.connect();
    legacy.request({ type: 'authenticate', protocolVersion: 3, address: 'a', encAddress: 'b', iv: 'c' });
    expect(codeOf(legacy.take()[0])).toBe('legacy_authenticate');
    expect(legacy.closed?.code).toBe(4003);
    const newer = rig.connect();
    newer.request({ type: 'handshakePayload', protocolVersion: 9, data: random(80) });
    expect(newer.take()).toEqual([
      {
        type: 'error',
        message:
          'Attempted to negotiate connection with client using incompatible protocol version. Ours is 5 and the client reports Some(9)',
      },
    ]);
  });

  it('refuses a truncated handshakePayload: before the handshake, and inside it', () => {
    rig = sessionRig();
    const short = rig.connect();
    short.request({ type: 'handshakePayload', protocolVersion: 5, data: random(31) });
    expect(short.take()).toEqual([
      { type: 'error', message: 'Failed to perform registration handshake: sent request was malformed' },
    ]);
    expect(short.closed?.code).toBe(4003);
    const { init } = clientHandshakeStart({
      identity: identityFromSeed(random(32)),
      gatewayIdentity: random(32),
      random,
    });
    const cut = rig.connect();
    cut.request({ type: 'handshakePayload', protocolVersion: 5, data: init.subarray(0, 79) });
    expect(cut.take()).toEqual([
      { type: 'handshakeError', message: 'sent request was malformed' },
      { type: 'error', message: 'Failed to perform registration handshake: sent request was malformed' },
    ]);
    const legacy = rig.connect();
    legacy.request({ type: 'handshakePayload', protocolVersion: 1, data: init.subarray(0, 64) });
    expect(codeOf(legacy.take()[1])).toBe('handshake_legacy_key');
  });

  it('refuses a wrong handshake signature and a handshake that stalls', async () => {
    rig = sessionRig();
    const claimed = identityFromSeed(random(32));
    const s = rig.connect();
    const start = clientHandshakeStart({
      identity: claimed,
      gatewayIdentity: rig.ctx.identity.publicKey,
      random,
    });
    s.request({ type: 'handshakePayload', protocolVersion: 5, data: start.init });
    const m = await s.next();
    if (m.type !== 'handshakePayload') throw new Error('material');
    // non-handshake messages during the handshake are dropped, as Nym's handshake does
    s.request({ type: 'supportedProtocol' });
    s.events!.onBinary(random(100));
    const liar = clientHandshakeFinish(
      { ...start.state, identity: { ...identityFromSeed(random(32)), publicKey: claimed.publicKey } },
      m.data,
      random,
    );
    s.request({ type: 'handshakePayload', protocolVersion: 5, data: liar.material });
    expect(s.take()).toEqual([
      { type: 'handshakeError', message: 'received invalid signature' },
      { type: 'error', message: 'Failed to perform registration handshake: received invalid signature' },
    ]);
    expect(s.closed?.code).toBe(4003);
    expect(rig.store.getClient(claimed.publicKey)).toBeUndefined();

    const slow = rig.connect();
    slow.request({
      type: 'handshakePayload',
      protocolVersion: 5,
      data: clientHandshakeStart({ identity: claimed, gatewayIdentity: rig.ctx.identity.publicKey, random })
        .init,
    });
    await new Promise((r) => setTimeout(r, 700));
    expect(slow.take().slice(1)).toEqual([
      { type: 'handshakeError', message: 'timed out waiting for a handshake message' },
      {
        type: 'error',
        message: 'Failed to perform registration handshake: timed out waiting for a handshake message',
      },
    ]);
    expect(slow.closed?.code).toBe(4008);
  });

  it('refuses an authenticateV2 10 minutes old, a replayed one, an unknown client, a wrong key', async () => {
    rig = sessionRig();
    const { s, key, identity } = await register(rig);
    s.close(1000, 'bye');
    await tick();
    const auth = (nowMs: number, sharedKey = key, who = identity) =>
      createAuthenticateRequest({ identity: who, sharedKey, nowMs, random });

    const old = rig.connect();
    old.request(auth(Date.now() - 600_000));
    const o = await old.next();
    expect(codeOf(o)).toBe('stale_request');
    expect(o.type === 'error' && o.message).toMatch(
      /^the provided request timestamp is excessively skewed\. got \S+ whilst the server time is \S+$/,
    );
    expect(old.closed?.code).toBe(4003);

    const req = auth(Date.now());
    const first = rig.connect();
    first.request(req);
    expect(await first.next()).toEqual({
      type: 'authenticate',
      protocolVersion: 4,
      status: true,
      bandwidthRemaining: 0,
    });
    first.close(1000, 'bye');
    await tick();
    const replay = rig.connect();
    replay.request(req);
    expect(await replay.next()).toEqual({
      type: 'error',
      message: 'the provided request timestamp is smaller or equal to one previously used',
    });
    expect(replay.closed?.code).toBe(4003);

    const stranger = rig.connect();
    stranger.request(auth(Date.now(), random(32), identityFromSeed(random(32))));
    expect(await stranger.next()).toEqual({ type: 'error', message: 'the client is not registered' });
    const wrongKey = rig.connect();
    wrongKey.request(auth(Date.now() + 2000, random(32)));
    expect(await wrongKey.next()).toEqual({
      type: 'error',
      message: 'failed to verify provided address ciphertext',
    });
    expect(wrongKey.closed?.code).toBe(4003);
  });

  it('keeps a live session against a newer one, and hands over a dead one', async () => {
    rig = sessionRig();
    const { s: live, key, identity } = await register(rig);
    // not newer than the connected session's own timestamp
    const same = rig.connect();
    same.request(createAuthenticateRequest({ identity, sharedKey: key, nowMs: Date.now() - 5000, random }));
    expect(codeOf(await same.next())).toBe('stale_session');
    const later = rig.connect();
    later.request(createAuthenticateRequest({ identity, sharedKey: key, nowMs: Date.now() + 1000, random }));
    expect(await later.next()).toEqual({
      type: 'error',
      message: 'There is already an open connection to this client',
    });
    expect(later.closed?.code).toBe(4003);
    expect(live.closed).toBeUndefined();

    live.answersPings = false;
    const taker = rig.connect();
    taker.request(createAuthenticateRequest({ identity, sharedKey: key, nowMs: Date.now() + 2000, random }));
    // frames sent before the answer are kept for the new session
    rig.ctx.store.setBandwidth(identity.publicKey, 10_000);
    forward(taker, key);
    expect(await taker.next(2_000)).toMatchObject({ type: 'authenticate', status: true });
    expect(live.closed?.code).toBe(4001);
    expect(await taker.next()).toEqual({ type: 'send', remainingBandwidth: 10_000 - 2413 });
    // a registration while connected is refused as well
    const reg = rig.connect();
    const start = clientHandshakeStart({ identity, gatewayIdentity: rig.ctx.identity.publicKey, random });
    reg.request({ type: 'handshakePayload', protocolVersion: 5, data: start.init });
    expect(codeOf(await reg.next())).toBe('duplicate_connection');
  });

  it('closes a connection that floods while its authentication is checked', async () => {
    rig = sessionRig();
    const { s: live, key, identity } = await register(rig);
    live.answersPings = false; // the check waits for the ping timeout
    const flood = rig.connect();
    flood.request(createAuthenticateRequest({ identity, sharedKey: key, nowMs: Date.now() + 1000, random }));
    for (let i = 0; i < 300; i++) flood.events!.onBinary(random(10));
    expect(flood.take()).toEqual([
      { type: 'error', message: 'too many messages before the authentication answer' },
    ]);
    expect(flood.closed?.code).toBe(4003);
    await new Promise((r) => setTimeout(r, 300));
    // the check that was under way neither brings the closed connection back nor ends the old one
    expect(flood.take()).toEqual([]);
    expect(live.closed).toBeUndefined();
  });

  it('never throws, whatever arrives', () => {
    rig = sessionRig();
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.string().map((t) => ['t', t] as const),
            fc.uint8Array({ maxLength: 300 }).map((b) => ['b', b] as const),
          ),
          { maxLength: 6 },
        ),
        (inputs) => {
          const s = rig.connect();
          for (const [kind, data] of inputs) {
            if (kind === 't') s.events!.onText(data);
            else s.events!.onBinary(data);
          }
          for (const m of s.take())
            expect(['error', 'supportedProtocol', 'handshakeError', 'handshakePayload']).toContain(m.type);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('an authenticated connection', () => {
  it('refuses a free claim when free bandwidth is off, and carries on', async () => {
    rig = sessionRig({ freeBandwidth: false });
    const { s, key } = await register(rig);
    s.request({ type: 'claimFreeTestnetBandwidth' });
    expect(await s.next()).toEqual({
      type: 'error',
      message: 'This gateway is only accepting coconut credentials for bandwidth',
    });
    forward(s, key);
    expect(await s.next()).toEqual({
      type: 'typedError',
      error: { kind: 'outOfBandwidth', required: 2413, available: 0 },
    });
    s.request({ type: 'bandwidthCredential', encCredential: random(100), iv: random(12) });
    expect(codeOf(await s.next())).toBe('credential_invalid');
    expect(s.closed).toBeUndefined();
    expect(rig.forwarded).toHaveLength(0);
  });

  it("answers bad frames and out-of-place requests with Nym's errors, and carries on", async () => {
    rig = sessionRig();
    const { s, key } = await register(rig);
    s.request({ type: 'claimFreeTestnetBandwidth' });
    await s.next();
    const bad: [Uint8Array | string, string][] = [
      [random(1), 'malformed_frame'],
      [Uint8Array.of(2, 7, ...random(40)), 'bad_encryption_flag'],
      [Uint8Array.of(9, 1, ...random(40)), 'unknown_frame_kind'],
      [encodeForwardFrame(random(32), random(12), random(50)), 'decryption_failed'],
      [
        encodeForwardFrame(
          key,
          random(12),
          encodeMixPacket({ packetType: 0, nextHop: hop, packet: random(999) }),
        ),
        'bad_packet',
      ],
      [encodeForwardFrame(key, random(12), Uint8Array.of(2, 0, ...random(2420))), 'bad_packet'],
      ['{"type":"handshakePayload","data":[1]}', 'illegal_request'],
      ['{"type":"authenticateV2"}', 'malformed_request'],
      ['{"type":"ecashCredential","enc_credential":[1],"iv":[2]}', 'illegal_request'],
      ['{"type":"bandwidthCredentialV2","enc_credential":[1],"iv":[2]}', 'illegal_request'],
      ['{"type":"teleport"}', 'unknown_request'],
      ['{"type":"encryptedRequest","ciphertext":[1,2,3],"nonce":[1]}', 'encrypted_request_invalid'],
    ];
    for (const [input, code] of bad) {
      if (typeof input === 'string') s.events!.onText(input);
      else s.events!.onBinary(input);
      expect(codeOf(await s.next())).toBe(code);
    }
    expect(s.closed).toBeUndefined();
    forward(s, key);
    expect(await s.next()).toMatchObject({ type: 'send' });
  });

  it('answers sealed RememberMe, ForgetMe and UpgradeKey as Nym does', async () => {
    rig = sessionRig();
    const { s, key, identity } = await register(rig);
    s.request(sealSensitiveRequest({ kind: 'rememberMe', sessionType: 'Native' }, key, random));
    const ack = await s.next();
    expect(ack.type === 'encryptedResponse' && openSensitiveResponse(ack, key)).toBe('RememberMeAck');
    s.request(
      sealSensitiveRequest(
        { kind: 'upgradeKey', hkdfSalt: random(16), derivedKeyDigest: random(32) },
        key,
        random,
      ),
    );
    expect(await s.next()).toEqual({
      type: 'error',
      message: 'the connection is already using an aes256-gcm-siv key',
    });
    rig.store.storeMessage(identity.publicKey, random(10), Date.now());
    s.request(sealSensitiveRequest({ kind: 'forgetMe', client: true, stats: false }, key, random));
    const forgot = await s.next();
    expect(forgot.type === 'encryptedResponse' && openSensitiveResponse(forgot, key)).toBe('ForgetMeAck');
    expect(rig.store.getClient(identity.publicKey)).toBeUndefined();
    expect(rig.store.countMessages(identity.publicKey)).toBe(0);
    expect(rig.ctx.clients.isRegistered(ClientRegistry.id(identity.publicKey))).toBe(false);
  });

  it('after authenticateV2, pushes stored and live messages once the socket shows the key', async () => {
    rig = sessionRig();
    const { s, key, identity } = await register(rig);
    s.close(1000, 'bye');
    await tick();
    for (let i = 0; i < 3; i++) rig.store.storeMessage(identity.publicKey, Uint8Array.of(i), Date.now());
    const back = rig.connect();
    back.request(createAuthenticateRequest({ identity, sharedKey: key, nowMs: Date.now(), random }));
    expect(await back.next()).toMatchObject({ type: 'authenticate', status: true });
    await tick();
    // nothing yet: the authenticate frame may be a captured one; a live message is stored
    const session = rig.ctx.clients.get(ClientRegistry.id(identity.publicKey))!;
    expect(session.holdsLive).toBe(true);
    deliver(rig, identity, Uint8Array.of(3));
    await tick(); // stored at the end of the turn
    expect(back.binaries).toHaveLength(0);
    expect(rig.store.countMessages(identity.publicKey)).toBe(4);
    // a free claim is not sealed: it shows nothing
    back.request({ type: 'claimFreeTestnetBandwidth' });
    expect(await back.next()).toMatchObject({ type: 'bandwidth' });
    await tick();
    expect(back.binaries).toHaveLength(0);
    // a sealed request that opens under the key does
    back.request(sealSensitiveRequest({ kind: 'rememberMe', sessionType: 'Native' }, key, random));
    expect(await back.next()).toMatchObject({ type: 'encryptedResponse' });
    await tick();
    expect(back.pushed(key).map((m) => m[0])).toEqual([0, 1, 2, 3]);
    expect(rig.store.countMessages(identity.publicKey)).toBe(0);
    deliver(rig, identity, Uint8Array.of(9));
    expect(back.pushed(key).at(-1)).toEqual(Uint8Array.of(9));
  });

  it('a forwarded packet shows the key as well; a registration needs no further proof', async () => {
    rig = sessionRig();
    const { s, key, identity } = await register(rig);
    rig.store.storeMessage(identity.publicKey, Uint8Array.of(7), Date.now());
    deliver(rig, identity, Uint8Array.of(8));
    await tick();
    expect(s.pushed(key).map((m) => m[0])).toEqual([8]);
    s.close(1000, 'bye');
    await tick();
    const back = rig.connect();
    back.request(createAuthenticateRequest({ identity, sharedKey: key, nowMs: Date.now(), random }));
    expect(await back.next()).toMatchObject({ type: 'authenticate', status: true });
    rig.store.setBandwidth(identity.publicKey, 0);
    // out of bandwidth, but the frame opened under the key
    forward(back, key);
    expect(await back.next()).toMatchObject({ type: 'typedError' });
    await tick();
    expect(back.pushed(key).map((m) => m[0])).toEqual([7]);
  });

  it('a captured authenticate frame on another socket gets nothing and cannot hold the inbox', async () => {
    rig = sessionRig();
    const { s, key, identity } = await register(rig);
    s.close(1000, 'bye');
    await tick();
    for (let i = 0; i < 5; i++) rig.store.storeMessage(identity.publicKey, Uint8Array.of(i), Date.now());
    // the victim's frame, captured before the victim used it
    const captured = createAuthenticateRequest({ identity, sharedKey: key, nowMs: Date.now(), random });
    const thief = rig.connect();
    thief.request(captured);
    expect(await thief.next()).toMatchObject({ type: 'authenticate', status: true });
    deliver(rig, identity, Uint8Array.of(5));
    await tick();
    expect(thief.binaries).toHaveLength(0);
    expect(rig.store.countMessages(identity.publicKey)).toBe(6);
    // without the key its sealed requests do not open, and show nothing
    thief.request(sealSensitiveRequest({ kind: 'rememberMe', sessionType: 'Native' }, random(32), random));
    expect(codeOf(await thief.next())).toBe('encrypted_request_invalid');
    thief.events!.onBinary(
      encodeForwardFrame(
        random(32),
        random(12),
        encodeMixPacket({ packetType: 0, nextHop: hop, packet: random(2413) }),
      ),
    );
    expect(await thief.next()).toMatchObject({ type: 'error' });
    await tick();
    expect(thief.binaries).toHaveLength(0);
    // the same frame again: its timestamp is spent
    const again = rig.connect();
    again.request(captured);
    expect(codeOf(await again.next())).toBe('replayed_request');
    expect(again.closed?.code).toBe(4003);
    // the victim, with a newer frame, takes over without a ping (the thief would answer one)
    const victim = rig.connect();
    victim.request(createAuthenticateRequest({ identity, sharedKey: key, nowMs: Date.now() + 1000, random }));
    expect(await victim.next()).toMatchObject({ type: 'authenticate', status: true });
    expect(thief.closed?.code).toBe(4001);
    victim.request(sealSensitiveRequest({ kind: 'rememberMe', sessionType: 'Native' }, key, random));
    expect(await victim.next()).toMatchObject({ type: 'encryptedResponse' });
    await tick();
    expect(victim.pushed(key).map((m) => m[0])).toEqual([0, 1, 2, 3, 4, 5]);
    expect(thief.binaries).toHaveLength(0);
  });

  it('one frame presented on two sockets at once is accepted once', async () => {
    rig = sessionRig();
    const { s: live, key, identity } = await register(rig);
    live.answersPings = false; // both checks wait on the connected session's ping
    const frame = createAuthenticateRequest({ identity, sharedKey: key, nowMs: Date.now() + 1000, random });
    const a = rig.connect();
    const b = rig.connect();
    a.request(frame);
    b.request(frame);
    const answers = [await a.next(2_000), await b.next(2_000)];
    expect(answers.map(codeOf).sort()).toEqual(['authenticate', 'replayed_request']);
  });
});

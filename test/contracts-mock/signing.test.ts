import { describe, expect, it } from 'vitest';
import { ed25519 } from '@noble/curves/ed25519.js';
import { base58 } from '@scure/base';
import { ownerSignatureMessage, signOwnerPayload, verifyOwnerSignature } from '../../contracts-mock/index.js';
import type { OwnerSignaturePayload } from '../../contracts-mock/index.js';
import { COSTS, PLEDGE, address, gateway, mixNode, nodeKeys } from './helpers.js';

describe('owner signature message', () => {
  it("has Nym's byte layout (ContractMessageContent, no proxy)", () => {
    const k = nodeKeys(1);
    const p: OwnerSignaturePayload = {
      kind: 'mixnode-bonding',
      sender: 'n1sender',
      nonce: 7,
      pledge: PLEDGE,
      mix_node: mixNode(k),
      cost_params: COSTS,
    };
    expect(new TextDecoder().decode(ownerSignatureMessage(p))).toBe(
      '{"nonce":7,"algorithm":"ed25519","message_type":"mixnode-bonding","content":{"sender":"n1sender",' +
        '"funds":[{"denom":"unym","amount":"100000000"}],"data":{"mix_node":{"host":"127.0.0.1","mix_port":1789,' +
        `"verloc_port":1790,"http_api_port":8000,"sphinx_key":"${k.sphinx}","identity_key":"${k.identity}",` +
        '"version":"1.1.20"},"cost_params":{"profit_margin_percent":"0.1","interval_operating_cost":' +
        '{"denom":"unym","amount":"40000000"}}}}}',
    );
  });

  it('does not depend on the key order of the input objects', () => {
    const k = nodeKeys(2);
    const g = gateway(k);
    const shuffled = Object.fromEntries(Object.entries(g).reverse()) as typeof g;
    const a = ownerSignatureMessage({
      kind: 'gateway-bonding',
      sender: address(1),
      nonce: 0,
      pledge: PLEDGE,
      gateway: g,
    });
    const b = ownerSignatureMessage({
      kind: 'gateway-bonding',
      sender: address(1),
      nonce: 0,
      pledge: { amount: PLEDGE.amount, denom: PLEDGE.denom },
      gateway: shuffled,
    });
    expect(a).toEqual(b);
  });

  it('verifies only the exact payload', () => {
    const k = nodeKeys(3);
    const p: OwnerSignaturePayload = {
      kind: 'gateway-bonding',
      sender: address(1),
      nonce: 0,
      pledge: PLEDGE,
      gateway: gateway(k),
    };
    const sig = signOwnerPayload(k.secret, p);
    expect(verifyOwnerSignature(sig, p)).toBe(true);
    expect(verifyOwnerSignature(sig, { ...p, nonce: 1 })).toBe(false);
    expect(verifyOwnerSignature(sig, { ...p, gateway: { ...p.gateway, host: '10.0.0.1' } })).toBe(false);
    expect(verifyOwnerSignature(sig.slice(1), p)).toBe(false);
    expect(verifyOwnerSignature('', p)).toBe(false);
    expect(verifyOwnerSignature(sig, { ...p, gateway: { ...p.gateway, identity_key: 'notakey' } })).toBe(
      false,
    );
  });

  it("accepts a signature as bytes (Nym's declared MessageSignature) and over the legacy form", () => {
    const k = nodeKeys(4);
    const p: OwnerSignaturePayload = {
      kind: 'gateway-bonding',
      sender: address(2),
      nonce: 3,
      pledge: PLEDGE,
      gateway: gateway(k),
    };
    const sig = signOwnerPayload(k.secret, p);
    expect(verifyOwnerSignature(base58.decode(sig), p)).toBe(true);
    const legacy = ownerSignatureMessage(p, 'legacy');
    expect(new TextDecoder().decode(legacy)).toContain(`"sender":"${address(2)}","proxy":null,"funds"`);
    expect(verifyOwnerSignature(ed25519.sign(legacy, k.secret), p)).toBe(true);
    // Bytes of the wrong length or of another message never verify.
    expect(verifyOwnerSignature(base58.decode(sig).subarray(1), p)).toBe(false);
    expect(verifyOwnerSignature(ed25519.sign(new Uint8Array(3), k.secret), p)).toBe(false);
  });
});

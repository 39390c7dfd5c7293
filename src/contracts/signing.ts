/**
 * The owner signature: proof that whoever bonds a node holds its ed25519 identity key.
 *
 * As Nym's `SignableMessage<ContractMessageContent<...>>` (contracts-common/src/signing/mod.rs,
 * mixnet-contract/src/signing_types.rs at the release), the signed bytes are the UTF-8 JSON of
 *
 *   {"nonce":N,"algorithm":"ed25519","message_type":"mixnode-bonding"|"gateway-bonding",
 *    "content":{"sender":ADDR,"funds":[PLEDGE],
 *               "data":{"mix_node":{...},"cost_params":{...}} | {"gateway":{...}}}}
 *
 * with keys in exactly this order and node fields in the order of the MixNode / Gateway
 * structs. Nym's legacy form (`LegacyContractMessageContent`) has `"proxy":null` after the
 * sender; signatures over it are still accepted, since earlier Nymph signers made them.
 * The nonce is the sender's signing nonce (query `get_signing_nonce`), which the contract
 * increments on every bond, so a signature cannot be replayed. Both the contract and every
 * signer call `ownerSignatureMessage`, so the bytes cannot drift apart.
 *
 * A signature travels as base58 text (what Nym's `MessageSignature` deserialises from) or,
 * as `@nymproject/contract-clients` declares `MessageSignature`, as an array of bytes.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { base58 } from '@scure/base';
import type { Coin } from './coin.js';
import type { Gateway, MixNode, MixNodeCostParams } from './mixnet.js';

export type OwnerSignaturePayload =
  | {
      kind: 'mixnode-bonding';
      sender: string;
      nonce: number;
      pledge: Coin;
      mix_node: MixNode;
      cost_params: MixNodeCostParams;
    }
  | { kind: 'gateway-bonding'; sender: string; nonce: number; pledge: Coin; gateway: Gateway };

const coinJson = (c: Coin): Coin => ({ denom: c.denom, amount: c.amount });

/** `current`: Nym's `ContractMessageContent`; `legacy`: with `"proxy":null` after the sender. */
export type OwnerSignatureForm = 'current' | 'legacy';

export function ownerSignatureMessage(
  p: OwnerSignaturePayload,
  form: OwnerSignatureForm = 'current',
): Uint8Array {
  const data =
    p.kind === 'mixnode-bonding'
      ? {
          mix_node: {
            host: p.mix_node.host,
            mix_port: p.mix_node.mix_port,
            verloc_port: p.mix_node.verloc_port,
            http_api_port: p.mix_node.http_api_port,
            sphinx_key: p.mix_node.sphinx_key,
            identity_key: p.mix_node.identity_key,
            version: p.mix_node.version,
          },
          cost_params: {
            profit_margin_percent: p.cost_params.profit_margin_percent,
            interval_operating_cost: coinJson(p.cost_params.interval_operating_cost),
          },
        }
      : {
          gateway: {
            host: p.gateway.host,
            mix_port: p.gateway.mix_port,
            clients_port: p.gateway.clients_port,
            location: p.gateway.location,
            sphinx_key: p.gateway.sphinx_key,
            identity_key: p.gateway.identity_key,
            version: p.gateway.version,
          },
        };
  const msg = {
    nonce: p.nonce,
    algorithm: 'ed25519',
    message_type: p.kind,
    content:
      form === 'current'
        ? { sender: p.sender, funds: [coinJson(p.pledge)], data }
        : { sender: p.sender, proxy: null, funds: [coinJson(p.pledge)], data },
  };
  return new TextEncoder().encode(JSON.stringify(msg));
}

/** Sign the payload with a 32-byte ed25519 secret key; returns the base58 signature. */
export function signOwnerPayload(identitySecretKey: Uint8Array, p: OwnerSignaturePayload): string {
  return base58.encode(ed25519.sign(ownerSignatureMessage(p), identitySecretKey));
}

/**
 * True iff `signature` (base58 text or raw bytes) verifies for the identity key (base58) named
 * in the payload, over Nym's current message or its legacy form.
 */
export function verifyOwnerSignature(signature: string | Uint8Array, p: OwnerSignaturePayload): boolean {
  const identity = p.kind === 'mixnode-bonding' ? p.mix_node.identity_key : p.gateway.identity_key;
  try {
    const sig = typeof signature === 'string' ? base58.decode(signature) : signature;
    if (sig.length !== 64) return false;
    const key = base58.decode(identity);
    return (
      ed25519.verify(sig, ownerSignatureMessage(p, 'current'), key) ||
      ed25519.verify(sig, ownerSignatureMessage(p, 'legacy'), key)
    );
  } catch {
    return false;
  }
}

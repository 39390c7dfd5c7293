/**
 * Owner signatures for bonding, made with the node's ed25519 identity secret key. The
 * signed bytes come from src/contracts' `ownerSignatureMessage`, the same function the
 * contract verifies with.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { base58 } from '@scure/base';
import { signOwnerPayload } from '../contracts/index.js';
import type { Coin, Gateway, MixNode, MixNodeCostParams } from '../contracts/index.js';
import { InvalidArgumentError } from './errors.js';

function checkSecret(secret: Uint8Array): void {
  if (!(secret instanceof Uint8Array) || secret.length !== 32) {
    throw new InvalidArgumentError('identitySecretKey', 'must be 32 bytes');
  }
}

/** The base58 ed25519 public key for an identity secret key. */
export function identityKeyFromSecret(identitySecretKey: Uint8Array): string {
  checkSecret(identitySecretKey);
  return base58.encode(ed25519.getPublicKey(identitySecretKey));
}

function checkMatches(secret: Uint8Array, identityKey: string): void {
  if (identityKeyFromSecret(secret) !== identityKey) {
    throw new InvalidArgumentError('identitySecretKey', 'does not match the node identity_key');
  }
}

export function mixnodeOwnerSignature(args: {
  identitySecretKey: Uint8Array;
  sender: string;
  nonce: number;
  pledge: Coin;
  mixNode: MixNode;
  costParams: MixNodeCostParams;
}): string {
  checkMatches(args.identitySecretKey, args.mixNode.identity_key);
  return signOwnerPayload(args.identitySecretKey, {
    kind: 'mixnode-bonding',
    sender: args.sender,
    nonce: args.nonce,
    pledge: args.pledge,
    mix_node: args.mixNode,
    cost_params: args.costParams,
  });
}

export function gatewayOwnerSignature(args: {
  identitySecretKey: Uint8Array;
  sender: string;
  nonce: number;
  pledge: Coin;
  gateway: Gateway;
}): string {
  checkMatches(args.identitySecretKey, args.gateway.identity_key);
  return signOwnerPayload(args.identitySecretKey, {
    kind: 'gateway-bonding',
    sender: args.sender,
    nonce: args.nonce,
    pledge: args.pledge,
    gateway: args.gateway,
  });
}

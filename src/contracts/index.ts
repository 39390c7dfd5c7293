/**
 * The contracts' messages, responses, validation and owner signatures, in the JSON shapes
 * of Nym's contracts (`common/cosmwasm-smart-contracts/*`). This is what chain clients,
 * topology, nym-api, nodes and the SDK import; the contracts' logic (contracts-mock/) imports
 * it too, and nothing but the localnet chain imports that logic.
 */
export type { Coin } from './coin.js';
export * from './mixnet.js';
export * from './bandwidth.js';
export * from './coconut-dkg.js';
export * from './nym-messages.js';
export { ownerSignatureMessage, signOwnerPayload, verifyOwnerSignature } from './signing.js';
export type { OwnerSignatureForm, OwnerSignaturePayload } from './signing.js';
export { isValidHost, isValidIpv6, MAX_HOST_LEN } from './host.js';

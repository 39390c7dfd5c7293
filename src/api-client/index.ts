/**
 * Talking to nym-api: topology, verification keys and their aggregation, and bandwidth
 * credential issuance end to end. Uses only fetch, CosmJS (through src/chain) and pure
 * crypto, so it runs in Node and in browsers; it never loads the server (src/api).
 */
export {
  blindSignBody,
  fetchAggregatedVerificationKey,
  fetchTopology,
  fetchVerificationKey,
  fetchVerificationKeys,
  obtainBandwidthCredential,
  requestBlindSignature,
} from './client.js';
export type {
  ObtainCredentialArgs,
  ObtainedCredential,
  RequestOptions,
  VerificationKeyInfo,
} from './client.js';
export { sealShare, openShare, LowOrderKeyError } from './envelope.js';
export type { SealedShare } from './envelope.js';
export { blindSignSignatureMessage } from './wire.js';
export type {
  BlindSignRequestBody,
  BlindedSignatureResponse,
  CredentialJson,
  VerifyCredentialBody,
  VerifyCredentialResponse,
} from './wire.js';
export * from './errors.js';

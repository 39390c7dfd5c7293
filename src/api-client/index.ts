/**
 * Talking to nym-api: topology (the Coconut-era document and Nym's skimmed nodes),
 * verification keys and their aggregation, and bandwidth credential issuance end to end;
 * the wire bodies as valibot schemas. Uses only fetch, CosmJS (through src/chain) and pure
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
  PendingIssuance,
  RequestOptions,
  VerificationKeyInfo,
} from './client.js';
export { sealShare, openShare, LowOrderKeyError } from './envelope.js';
export type { SealedShare } from './envelope.js';
export {
  blindSignSignatureMessage,
  BlindSignRequestBodySchema,
  BlindedSignatureResponseSchema,
  CredentialJsonSchema,
  ErrorResponseSchema,
  MAX_ATTRIBUTES,
  MAX_BLOB_CHARS,
  MAX_PLAIN_ATTRIBUTE,
  TxHashSchema,
  VerificationKeyResponseSchema,
  VerifyCredentialBodySchema,
  VerifyCredentialResponseSchema,
} from './wire.js';
export type {
  BlindSignRequestBody,
  BlindedSignatureResponse,
  CredentialJson,
  VerificationKeyResponse,
  VerifyCredentialBody,
  VerifyCredentialResponse,
} from './wire.js';
export {
  BasicEntryInformationSchema,
  DeclaredRolesSchema,
  fetchKeyRotationInfo,
  fetchRewardedSet,
  fetchSkimmedNodes,
  IpAddressSchema,
  isIpAddress,
  KeyRotationInfoResponseSchema,
  KeyRotationStateSchema,
  NodeRoleSchema,
  NodesResponseMetadataSchema,
  NymDateTimeSchema,
  PaginatedSkimmedNodesSchema,
  PaginationSchema,
  PercentSchema,
  RewardedSetResponseSchema,
  SkimmedNodeSchema,
  TopologyRequestStatusSchema,
} from './nym-nodes.js';
export type {
  BasicEntryInformation,
  DeclaredRoles,
  KeyRotationInfoResponse,
  NodeRole,
  NodesResponseMetadata,
  PaginatedSkimmedNodes,
  RewardedSetResponse,
  SkimmedNode,
  SkimmedRoute,
} from './nym-nodes.js';
export * from './errors.js';

/**
 * nym-api: the validator API. A cache of the mixnet contract served over REST (topology),
 * and Coconut bandwidth credential issuance with one key share per instance. The
 * Node-only server; callers of nym-api import src/api-client instead.
 */
export { createNymApi, NYM_API_VERSION } from './service.js';
export type { NymApi, NymApiOptions } from './service.js';
export {
  CONFIG_FILE,
  CONFIG_KEYS,
  configFromToml,
  configToToml,
  defaultConfig,
  loadConfig,
  resolveHomePath,
  setConfigValue,
  validateConfig,
  writeConfig,
} from './config.js';
export type { ApiConfig } from './config.js';
export { ContractCache, buildSnapshot, serialise, validateEntries } from './contract-cache.js';
export type {
  CacheSnapshot,
  CachedRoute,
  MixNodeBondAnnotated,
  MixnetSource,
  NymSnapshot,
  Serialised,
} from './contract-cache.js';
export {
  CredentialIssuer,
  depositFromTx,
  DEPOSIT_EVENT,
  DEPOSIT_VALUE,
  DEPOSIT_INFO,
  DEPOSIT_IDENTITY_KEY,
  DEPOSIT_ENCRYPTION_KEY,
  blindSignRequestDigest,
} from './issuer.js';
export type { DepositRecord, IssuerChain, IssuerOptions } from './issuer.js';
export {
  BANDWIDTH_ATTRIBUTES,
  KEY_FILE_TYPE,
  KEY_FILE_VERSION,
  generateKeyShares,
  keyFileName,
  keyShareFromJson,
  keyShareToJson,
  readKeyFile,
  writeKeyFile,
  writeKeyShares,
} from './keys.js';
export type { KeyFileJson, KeyShare } from './keys.js';
export { SqliteDepositStore, MemoryDepositStore } from './store.js';
export type { DepositStore, IssuedShare, UsedDeposit } from './store.js';
export {
  NodesQuerySchema,
  NodesWithRoleQuerySchema,
  OutputQuerySchema,
  parseBlindSignBody,
  parseQuery,
  parseRequest,
  parseVerifyBody,
  txHash as parseTxHash,
} from './schema.js';
export { createMetrics } from './metrics.js';
export { cachingResolver, resolveHosts } from './resolve.js';
export type { CachingResolverOptions, HostResolver } from './resolve.js';
export { corsPolicy } from './cors.js';
export type { CorsPolicy } from './cors.js';
export { NYM_ROUTES } from './nym-routes.js';
export { DEFAULT_KEY_ROTATION_VALIDITY_EPOCHS, keyRotationInfo, nymDateTime } from './nym-nodes.js';
export type { NymInputs, NymListing, NymSkip } from './nym-nodes.js';
export type { ApiMetrics } from './metrics.js';
export { openApiDocument, DOCUMENTED_ROUTES } from './openapi.js';
export * from './errors.js';
export { DkgDealer, connectDkgContract, loadOrCreateDealerKey, DKG_KEY_FILE_TYPE } from './dkg-dealer.js';
export type { DkgContractIo, DkgDealerOptions } from './dkg-dealer.js';
export { startDkg } from './dkg-service.js';
export type { RunningDkg } from './dkg-service.js';

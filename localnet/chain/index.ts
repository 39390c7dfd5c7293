/** The localnet chain: a single-node CometBFT/Cosmos SDK/CosmWasm look-alike in TypeScript. */
export {
  startChain,
  deriveAccounts,
  defaultContracts,
  BECH32_PREFIX,
  DENOM,
  STAKE_DENOM,
  type StartChainOptions,
  type RunningChain,
  type ChainInfo,
  type ContractSet,
} from './chain.js';
export { loadConfig, DEFAULT_CONFIG, LOCALNET_MNEMONIC, type ChainConfig } from './config.js';
export { contractAddress, pubkeyToAddress, moduleAddress } from './crypto.js';
export { GAS, type TxResultData, type AbciEvent } from './app.js';
export { ChainNode, COMETBFT_VERSION, type GenesisContract } from './node.js';
export { RpcError, parseQuery } from './rpc.js';
export * from './errors.js';

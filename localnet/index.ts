/** localnet: the dev chain (and, later, the one-command network orchestration). */
export * from './chain/index.js';

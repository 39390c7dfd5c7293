/**
 * The one-command local network: `localnetUp` / `localnetDown`, its plan (counts, ports,
 * accounts, from the registry of roles in src/roles.ts), the process supervisor and a
 * native websocket API app for self-tests.
 */
export {
  localnetUp,
  localnetDown,
  LOCALNET_FILE,
  PHASES,
  type PhaseName,
  type UpOptions,
  type RunningLocalnet,
  type LocalnetInfo,
  type ProgressEvent,
} from './up.js';
export {
  DEFAULT_LAYOUT,
  DEFAULT_BASE_PORT,
  DEFAULT_CHAIN_PORT,
  DEFAULT_CLIENT_PORT,
  PLAN_FILE,
  freePorts,
  makePlan,
  hostOf,
  nodesOf,
  chainOf,
  readPlan,
  type LayoutOptions,
  type NetworkPlan,
  type NodePlan,
  type ProcessModel,
  type Placement,
  type PlacementFn,
  type RoleKind,
} from './plan.js';
export { NativeWsApp, selfTest, type WsReceived } from './ws-client.js';
export {
  startRole,
  awaitReady,
  networkProcesses,
  acceptsConnections,
  stopAll,
  isAlive,
  groupAlive,
  readPidFile,
  tailLog,
  RoleStartError,
  type NetworkProcess,
  type PidRecord,
  type RoleProcess,
} from './supervisor.js';
export * from './errors.js';
export { parsePlacement, readPlacement } from './placement.js';

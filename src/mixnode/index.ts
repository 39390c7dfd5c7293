/**
 * Mix node: the packet pipeline of src/node on a mix port, with its metrics server and
 * self-bonding on the chain.
 */
export { createMixnode, type Mixnode, type MixnodeConfig, type MixnodeAnnouncement } from './node.js';
export { defaultMixnodeToml, mixnodeConfigFromToml, type MixnodeInitOptions } from './node-config.js';

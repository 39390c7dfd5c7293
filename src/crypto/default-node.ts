// Resolved through package.json "imports" (#crypto-default-backend) everywhere but browsers.
export { nodeAead as defaultAead, nodeBackend as defaultBackend } from './node.js';

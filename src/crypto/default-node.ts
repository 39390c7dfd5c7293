// Resolved through package.json "imports" (#crypto-default-backend) everywhere but browsers.
export { nodeBackend as defaultBackend } from './node.js';

// Resolved through package.json "imports" (#crypto-default-backend) under the "browser" condition.
export { pureBackend as defaultBackend } from './pure.js';

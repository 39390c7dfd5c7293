// Resolved through package.json "imports" (#crypto-default-backend) under the "browser" condition.
import { webBackendIfAvailable } from './web.js';

export const defaultBackend = webBackendIfAvailable();

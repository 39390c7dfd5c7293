// Resolved through package.json "imports" (#crypto-default-backend) under the "browser" condition.
import { webAeadIfAvailable, webBackendIfAvailable } from './web.js';

export const defaultBackend = webBackendIfAvailable();
export const defaultAead = webAeadIfAvailable();

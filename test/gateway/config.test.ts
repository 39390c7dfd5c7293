/**
 * The gateway's TOML: free bandwidth is off unless asked for (Nym's `enforce_zk_nyms`
 * inverted); wss with a certificate init writes; client-port limits and origins.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import {
  GatewayConfigError,
  defaultGatewayToml,
  gatewayConfigFromToml,
  initGatewayTls,
  readTlsFiles,
} from '../../src/gateway/index.js';
import { generateNodeKeys } from '../../src/node/keys.js';
import { tempHome } from '../mixnode/helpers.js';

const keys = generateNodeKeys();
const quiet = pino({ level: 'silent' });
const read = (t: ReturnType<typeof defaultGatewayToml>) => gatewayConfigFromToml('/tmp/gw', t, keys, quiet);

describe('gateway config', () => {
  it("grants free bandwidth only when asked, and keeps Nym's session limits", () => {
    const off = read(defaultGatewayToml());
    expect(off.freeBandwidth).toBe(false);
    expect(off).toMatchObject({
      initialMessageTimeoutMs: 10_000,
      handshakeTimeoutMs: 5_000,
      authMaxSkewMs: 120_000,
      pingTimeoutMs: 1_000,
    });
    expect(read(defaultGatewayToml({ freeBandwidth: true })).freeBandwidth).toBe(true);
    // the key's old name is still read
    const legacy = defaultGatewayToml();
    delete (legacy.gateway as Record<string, unknown>).free_bandwidth;
    (legacy.gateway as Record<string, unknown>).localnet_free_bandwidth = true;
    expect(read(legacy).freeBandwidth).toBe(true);
    // a value that is not a boolean is refused, typed
    const bad = defaultGatewayToml();
    (bad.gateway as Record<string, unknown>).free_bandwidth = 'yes';
    expect(() => read(bad)).toThrow(/free_bandwidth/);
  });

  it("admits as Nym does by default: no browser origin, Nym's connection cap and upgrade timeout", () => {
    const c = read(defaultGatewayToml());
    expect(c).toMatchObject({
      allowedOrigins: [],
      maxConnections: 8192,
      maxConnectionsPerIp: 64,
      upgradeTimeoutMs: 1_500,
      idleTimeoutMs: 60_000,
      tls: { port: 9001, certFile: '/tmp/gw/tls/cert.pem', keyFile: '/tmp/gw/tls/key.pem' },
    });
    // a picked clients port picks the wss port too; -1 turns wss off
    expect(read(defaultGatewayToml({ clientsPort: 0 })).tls?.port).toBe(0);
    expect(read(defaultGatewayToml({ clientsWssPort: -1 })).tls).toBeUndefined();
    // wss without a certificate is refused, typed
    const noCert = defaultGatewayToml();
    (noCert.gateway as Record<string, unknown>).tls_cert = '';
    expect(() => read(noCert)).toThrow(GatewayConfigError);
    const badOrigins = defaultGatewayToml();
    (badOrigins.gateway as Record<string, unknown>).allowed_origins = 'https://app.example';
    expect(() => read(badOrigins)).toThrow(/allowed_origins/);
  });

  it('init writes a self-signed certificate for the announced host once; a mismatched pair is refused', () => {
    const home = tempHome('gwtls');
    try {
      const t = defaultGatewayToml({ announceHost: '10.1.2.3' });
      const certFile = initGatewayTls(home, t);
      expect(certFile).toBe(path.join(home, 'tls/cert.pem'));
      expect(initGatewayTls(home, t)).toBeUndefined(); // kept, not rewritten
      const { cert } = readTlsFiles(certFile!, path.join(home, 'tls/key.pem'));
      const x = new crypto.X509Certificate(cert);
      expect(x.subjectAltName).toBe('IP Address:10.1.2.3');
      expect(x.verify(x.publicKey)).toBe(true);
      expect((fs.statSync(path.join(home, 'tls/key.pem')).mode & 0o777).toString(8)).toBe('600');
      // another key for the same certificate
      fs.writeFileSync(
        path.join(home, 'other.pem'),
        crypto
          .generateKeyPairSync('ec', { namedCurve: 'P-256' })
          .privateKey.export({ type: 'pkcs8', format: 'pem' }),
      );
      expect(() => readTlsFiles(certFile!, path.join(home, 'other.pem'))).toThrow(/is not the key of/);
      expect(() => readTlsFiles(path.join(home, 'missing.pem'), path.join(home, 'other.pem'))).toThrow(
        GatewayConfigError,
      );
      // no wss: nothing written
      expect(
        initGatewayTls(path.join(home, 'off'), defaultGatewayToml({ clientsWssPort: -1 })),
      ).toBeUndefined();
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});

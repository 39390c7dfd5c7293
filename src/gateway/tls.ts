/**
 * TLS for the client port (`wss`, Nym's `clients_wss_port`): the operator's certificate and
 * key (`[gateway] tls_cert`, `tls_key`, PEM files), or a self-signed certificate that
 * `gateway init` writes there when none is given.
 *
 * The self-signed certificate is an X.509 v3 certificate (RFC 5280) for an ECDSA P-256 key,
 * signed with SHA-256, its subject alternative names the gateway's announced host (an IP
 * address or a DNS name); node:crypto makes the key and the signature, the DER around them
 * is written here:
 *
 *   Certificate    = SEQ { tbs, SEQ { OID ecdsa-with-SHA256 }, BIT STRING signature }
 *   tbs            = SEQ { [0] { INT 2 }, INT serial, SEQ { OID ecdsa-with-SHA256 }, issuer,
 *                          SEQ { notBefore, notAfter }, subject, subjectPublicKeyInfo,
 *                          [3] { SEQ { basicConstraints, keyUsage (critical),
 *                                      extKeyUsage serverAuth, subjectAltName } } }
 *   issuer=subject = SEQ { SET { SEQ { OID commonName, UTF8String } } }
 *
 * Browsers do not trust it (no CA signed it); clients that pin it, or a CA file, do.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { GatewayConfigError } from './errors.js';

// ------------------------------------------------------------------ DER

function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

const seq = (...c: Buffer[]) => tlv(0x30, ...c);
const set = (...c: Buffer[]) => tlv(0x31, ...c);
const octets = (b: Buffer) => tlv(0x04, b);
const bitString = (b: Buffer) => tlv(0x03, Buffer.from([0]), b);
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
const explicit = (n: number, ...c: Buffer[]) => tlv(0xa0 | n, ...c);

/** A non-negative INTEGER from big-endian bytes (a leading 0 keeps it positive). */
function integer(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  const v = b.subarray(i);
  return tlv(0x02, v[0] & 0x80 ? Buffer.concat([Buffer.from([0]), v]) : v);
}

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const out = [40 * parts[0] + parts[1]];
  for (const p of parts.slice(2)) {
    const chunk = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift(0x80 | (v & 0x7f));
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime up to 2049, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5). */
function time(d: Date): Buffer {
  const iso = d.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z'; // YYYYMMDDHHMMSSZ
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(iso.slice(2))) : tlv(0x18, Buffer.from(iso));
}

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  serverAuth: '1.3.6.1.5.5.7.3.1',
};

function extension(id: string, value: Buffer, critical = false): Buffer {
  return critical ? seq(oid(id), tlv(0x01, Buffer.from([0xff])), octets(value)) : seq(oid(id), octets(value));
}

/** GeneralName: iPAddress [7] (4 or 16 bytes) or dNSName [2]. */
function generalName(host: string): Buffer {
  const kind = net.isIP(host);
  if (kind === 4) return tlv(0x87, Buffer.from(host.split('.').map(Number)));
  if (kind === 6) return tlv(0x87, ipv6Bytes(host));
  return tlv(0x82, Buffer.from(host, 'ascii'));
}

function ipv6Bytes(host: string): Buffer {
  const [head, tail] = host.includes('::') ? host.split('::') : [host, undefined];
  const groups = (s: string | undefined) => (s ? s.split(':') : []);
  let words = groups(head);
  if (tail !== undefined) {
    const t = groups(tail);
    words = [...words, ...Array<string>(8 - words.length - t.length).fill('0'), ...t];
  }
  const values = words.map((w) => (/^[0-9a-f]{1,4}$/i.test(w) ? parseInt(w, 16) : NaN));
  if (values.length !== 8 || values.some(Number.isNaN))
    throw new GatewayConfigError('tls_cert', `cannot put ${host} in a certificate (IPv6 with an IPv4 tail?)`);
  return Buffer.from(values.flatMap((v) => [v >> 8, v & 0xff]));
}

// ---------------------------------------------------------- certificate

export interface SelfSignedInput {
  /** Names the certificate is valid for (IP addresses or DNS names); the first is its CN. */
  readonly hosts: readonly string[];
  readonly privateKey: crypto.KeyObject;
  readonly publicKey: crypto.KeyObject;
  /** Serial number bytes (RFC 5280: positive, at most 20 bytes). */
  readonly serial: Uint8Array;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** A self-signed X.509 certificate, PEM. */
export function selfSignedCertificate(i: SelfSignedInput): string {
  if (i.hosts.length === 0) throw new GatewayConfigError('tls_cert', 'a certificate needs at least one host');
  const alg = seq(oid(OID.ecdsaWithSha256));
  const name = seq(set(seq(oid(OID.commonName), utf8(i.hosts[0]))));
  const spki = i.publicKey.export({ type: 'spki', format: 'der' });
  const extensions = seq(
    extension(OID.basicConstraints, seq()),
    // digitalSignature only (bit 0): an ECDHE server key
    extension(OID.keyUsage, tlv(0x03, Buffer.from([7, 0x80])), true),
    extension(OID.extKeyUsage, seq(oid(OID.serverAuth))),
    extension(OID.subjectAltName, seq(...i.hosts.map(generalName))),
  );
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))),
    integer(Buffer.from(i.serial)),
    alg,
    name,
    seq(time(i.notBefore), time(i.notAfter)),
    name,
    spki,
    explicit(3, extensions),
  );
  const signature = crypto.sign('sha256', tbs, { key: i.privateKey, dsaEncoding: 'der' });
  const der = seq(tbs, alg, bitString(signature));
  const b64 = der.toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${b64}-----END CERTIFICATE-----\n`;
}

/** A fresh P-256 key and a certificate for `hosts`, valid from now for `days`. */
export function generateSelfSigned(
  hosts: readonly string[],
  now = new Date(),
  days = 3650,
): { cert: string; key: string } {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const serial = crypto.randomBytes(16);
  serial[0] &= 0x7f;
  const cert = selfSignedCertificate({
    hosts,
    privateKey,
    publicKey,
    serial,
    // an hour back: clocks of clients differ
    notBefore: new Date(now.getTime() - 3600_000),
    notAfter: new Date(now.getTime() + days * 86_400_000),
  });
  return { cert, key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}

/**
 * Writes a self-signed certificate and its key (mode 0600) at `certFile` and `keyFile` unless
 * both exist; returns whether it wrote them.
 */
export function ensureSelfSignedFiles(certFile: string, keyFile: string, hosts: readonly string[]): boolean {
  if (fs.existsSync(certFile) && fs.existsSync(keyFile)) return false;
  const { cert, key } = generateSelfSigned(hosts);
  fs.mkdirSync(path.dirname(certFile), { recursive: true });
  fs.mkdirSync(path.dirname(keyFile), { recursive: true });
  fs.writeFileSync(keyFile, key, { mode: 0o600 });
  fs.writeFileSync(certFile, cert);
  return true;
}

/** Reads the PEM pair; a missing or unreadable file, or a key that is not the certificate's, is a config error. */
export function readTlsFiles(certFile: string, keyFile: string): { cert: string; key: string } {
  const read = (file: string, key: string) => {
    try {
      return fs.readFileSync(file, 'utf8');
    } catch (e) {
      throw new GatewayConfigError(key, `cannot read ${file}: ${(e as Error).message}`);
    }
  };
  const cert = read(certFile, 'tls_cert');
  const key = read(keyFile, 'tls_key');
  let x509: crypto.X509Certificate;
  try {
    x509 = new crypto.X509Certificate(cert);
  } catch (e) {
    throw new GatewayConfigError('tls_cert', `${certFile} is not a PEM certificate: ${(e as Error).message}`);
  }
  let priv: crypto.KeyObject;
  try {
    priv = crypto.createPrivateKey(key);
  } catch (e) {
    throw new GatewayConfigError('tls_key', `${keyFile} is not a PEM private key: ${(e as Error).message}`);
  }
  if (!x509.checkPrivateKey(priv))
    throw new GatewayConfigError('tls_key', `${keyFile} is not the key of ${certFile}`);
  return { cert, key };
}

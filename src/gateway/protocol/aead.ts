/**
 * The session AEAD: AES-256-GCM-SIV (RFC 8452) with a 12-byte nonce, a 16-byte tag and
 * no associated data, keyed with the 32-byte shared key of the registration handshake
 * (Nym's `GatewayEncryptionAlgorithm = Aes256GcmSiv`, common/nymsphinx/params/src/lib.rs;
 * used without AAD by `SharedSymmetricKey::encrypt`, common/gateway-requests/src/shared_key/mod.rs).
 *
 * The implementations live in src/crypto (./aead.ts there): the codecs here default to the
 * pure `nobleAead`, and each side passes its fast one (`defaultAead`: OpenSSL and wasm in
 * Node, noble and wasm in browsers) with the same bytes.
 */
export { AEAD_NONCE_SIZE, AEAD_TAG_SIZE, nobleAead, type Aead } from '../../crypto/aead.js';

export const SHARED_KEY_SIZE = 32;

/**
 * nym-api's credential routes on the wire, as valibot schemas (after Nym's
 * `nym-api-requests` coconut models): the server validates requests with them, its
 * OpenAPI document is generated from them, and callers get the types. Plus the bytes a
 * depositor signs.
 *
 * Every message is what the caller reads after the field name, e.g.
 * `signature must decode to 64 bytes, got 63`.
 */
import { base58 } from '@scure/base';
import * as v from 'valibot';

/** Largest number of Coconut attributes a credential may carry (Nym's bandwidth voucher: 4). */
export const MAX_ATTRIBUTES = 16;
/** Longest plain public attribute (voucher value, voucher info). */
export const MAX_PLAIN_ATTRIBUTE = 256;
/** Longest base58 blob accepted (a blind-sign request with 16 attributes is far below). */
export const MAX_BLOB_CHARS = 16 * 1024;

const OBJECT = 'must be a JSON object';

const text = (max: number, min = 1) =>
  v.pipe(
    v.string('must be a string'),
    v.minLength(min, `must be ${min}..${max} characters`),
    v.maxLength(max, `must be ${min}..${max} characters`),
  );

/** base58 text (at most `max` characters) that decodes, to exactly `bytes` bytes if given. */
const base58Text = (description: string, max = MAX_BLOB_CHARS, bytes?: number) =>
  v.pipe(
    text(max),
    v.description(description),
    v.rawCheck(({ dataset, addIssue }) => {
      if (!dataset.typed) return;
      let decoded: Uint8Array;
      try {
        decoded = base58.decode(dataset.value);
      } catch {
        addIssue({ message: 'is not valid base58' });
        return;
      }
      if (bytes !== undefined && decoded.length !== bytes)
        addIssue({ message: `must decode to ${bytes} bytes, got ${decoded.length}` });
    }),
  );

const intIn = (min: number, max: number) =>
  v.pipe(
    v.number(`must be an integer in ${min}..${max}`),
    v.integer(`must be an integer in ${min}..${max}`),
    v.minValue(min, `must be an integer in ${min}..${max}`),
    v.maxValue(max, `must be an integer in ${min}..${max}`),
  );

/** A CometBFT tx hash: 32 bytes, hex (either case); normalised to upper case. */
export const TxHashSchema = v.pipe(
  text(64),
  v.description('hex hash of the deposit transaction (either case)'),
  v.regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex characters'),
  v.toUpperCase(),
);

/** `POST /v1/coconut/bandwidth/blind-sign`, after Nym's BlindSignRequestBody. */
export const BlindSignRequestBodySchema = v.pipe(
  v.strictObject(
    {
      blind_sign_request: base58Text('base58 Coconut blind-sign request (commitments and proof)'),
      tx_hash: TxHashSchema,
      signature: base58Text(
        'base58 ed25519 signature by the deposit identity key over request bytes ‖ upper-case tx_hash',
        100,
        64,
      ),
      public_attributes: v.pipe(
        v.array(base58Text('base58 scalar', 64, 32), `must be an array of 1..${MAX_ATTRIBUTES} strings`),
        v.minLength(1, `must be an array of 1..${MAX_ATTRIBUTES} strings`),
        v.maxLength(MAX_ATTRIBUTES, `must be an array of 1..${MAX_ATTRIBUTES} strings`),
      ),
      public_attributes_plain: v.pipe(
        v.array(text(MAX_PLAIN_ATTRIBUTE, 0), 'must be an array as long as public_attributes'),
        v.description('the public attributes in plain text: [voucher value, voucher info]'),
        v.maxLength(MAX_ATTRIBUTES, 'must be an array as long as public_attributes'),
      ),
      total_params: v.pipe(
        intIn(2, MAX_ATTRIBUTES),
        v.description('number of attributes (private and public) the credential carries'),
      ),
    },
    OBJECT,
  ),
  v.forward(
    v.partialCheck(
      [['public_attributes'], ['public_attributes_plain']],
      (b) => b.public_attributes_plain.length === b.public_attributes.length,
      'must be an array as long as public_attributes',
    ),
    ['public_attributes_plain'],
  ),
  v.forward(
    v.partialCheck(
      [['public_attributes'], ['total_params']],
      (b) => b.total_params > b.public_attributes.length,
      (issue) =>
        `must be an integer in ${(issue.input as { public_attributes: unknown[] }).public_attributes.length + 1}..${MAX_ATTRIBUTES}`,
    ),
    ['total_params'],
  ),
);
export type BlindSignRequestBody = v.InferOutput<typeof BlindSignRequestBodySchema>;

/** Response: the share encrypted to the deposit's encryption key (see envelope.ts). */
export const BlindedSignatureResponseSchema = v.object({
  remote_key: v.pipe(v.string(), v.description('base58 x25519 ephemeral public key')),
  encrypted_signature: v.pipe(
    v.string(),
    v.description('base58 ChaCha20-Poly1305 ciphertext of the blinded signature share'),
  ),
});
export type BlindedSignatureResponse = v.InferOutput<typeof BlindedSignatureResponseSchema>;

/** A shown credential, after Nym's coconut-interface Credential. */
export const CredentialJsonSchema = v.strictObject(
  {
    n_params: intIn(1, MAX_ATTRIBUTES),
    theta: base58Text('base58 Coconut theta (the proof of the credential)'),
    voucher_value: v.pipe(
      text(20),
      v.description('decimal u64, as Nym’s voucher value'),
      v.regex(/^(0|[1-9]\d*)$/, 'must be a decimal u64'),
      v.check((s) => BigInt(s) <= 0xffff_ffff_ffff_ffffn, 'must be a decimal u64'),
    ),
    voucher_info: text(MAX_PLAIN_ATTRIBUTE, 0),
  },
  OBJECT,
);
export type CredentialJson = v.InferOutput<typeof CredentialJsonSchema>;

/** `POST /v1/coconut/bandwidth/verify-bandwidth-credential`. */
export const VerifyCredentialBodySchema = v.strictObject({ credential: CredentialJsonSchema }, OBJECT);
export type VerifyCredentialBody = v.InferOutput<typeof VerifyCredentialBodySchema>;

export const VerifyCredentialResponseSchema = v.object({
  verification_result: v.pipe(
    v.boolean(),
    v.description("the credential verifies under this instance's view of the aggregated key"),
  ),
  blinded_serial_number: v.pipe(v.string(), v.description('base58 blinded serial number shown with it')),
  spent: v.pipe(v.boolean(), v.description('whether the bandwidth contract records that serial as spent')),
});
export type VerifyCredentialResponse = v.InferOutput<typeof VerifyCredentialResponseSchema>;

/** Share indices, thresholds and authority counts: 1..1024. */
const shareCount = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1024));

/** `GET /v1/coconut/verification-key`: one instance's key share. */
export const VerificationKeyResponseSchema = v.object({
  key: v.pipe(v.string(), v.description('base58 verification key share')),
  index: v.pipe(shareCount, v.description('Shamir share index (1..n)')),
  threshold: shareCount,
  authorities: shareCount,
  attributes: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_ATTRIBUTES)),
});
export type VerificationKeyResponse = v.InferOutput<typeof VerificationKeyResponseSchema>;

/** Every refusal: `{"error": {"code", "message", ...details}}`. */
export const ErrorResponseSchema = v.object({
  error: v.looseObject({
    code: v.pipe(v.string(), v.description('stable snake_case identifier of the condition')),
    message: v.string(),
  }),
});

/** The bytes the depositor signs: the encoded request, then the upper-case hex tx hash. */
export function blindSignSignatureMessage(requestBytes: Uint8Array, txHash: string): Uint8Array {
  const h = new TextEncoder().encode(txHash.toUpperCase());
  const out = new Uint8Array(requestBytes.length + h.length);
  out.set(requestBytes, 0);
  out.set(h, requestBytes.length);
  return out;
}

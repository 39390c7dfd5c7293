/**
 * nym-api's credential routes on the wire: request and response bodies (after Nym's
 * `nym-api-requests` coconut models) and the bytes a depositor signs. Shared by the server
 * (src/api, which validates them) and its callers.
 */

/** `POST /v1/coconut/bandwidth/blind-sign`, after Nym's BlindSignRequestBody. */
export interface BlindSignRequestBody {
  /** base58 of the Coconut blind-sign request (commitments and proof). */
  blind_sign_request: string;
  /** Hex hash of the deposit transaction on the bandwidth contract. */
  tx_hash: string;
  /** base58 ed25519 signature by the deposit's identity key over request bytes ‖ tx_hash. */
  signature: string;
  /** base58 scalars of the public attributes. */
  public_attributes: string[];
  /** The public attributes in plain text: [voucher value, voucher info]. */
  public_attributes_plain: string[];
  /** Number of attributes (private + public) the credential carries. */
  total_params: number;
}

/** Response: the share encrypted to the deposit's encryption key (see envelope.ts). */
export interface BlindedSignatureResponse {
  remote_key: string;
  encrypted_signature: string;
}

/** A shown credential, after Nym's coconut-interface Credential. */
export interface CredentialJson {
  n_params: number;
  /** base58 of the Coconut Theta (the proof of the credential). */
  theta: string;
  voucher_value: string;
  voucher_info: string;
}

/** `POST /v1/coconut/bandwidth/verify-bandwidth-credential`. */
export interface VerifyCredentialBody {
  credential: CredentialJson;
}

export interface VerifyCredentialResponse {
  /** The credential verifies under this instance's view of the aggregated key. */
  verification_result: boolean;
  /** base58 blinded serial number shown with it. */
  blinded_serial_number: string;
  /** Whether the bandwidth contract records that serial as spent. */
  spent: boolean;
}

/** The bytes the depositor signs: the encoded request, then the upper-case hex tx hash. */
export function blindSignSignatureMessage(requestBytes: Uint8Array, txHash: string): Uint8Array {
  const h = new TextEncoder().encode(txHash.toUpperCase());
  const out = new Uint8Array(requestBytes.length + h.length);
  out.set(requestBytes, 0);
  out.set(h, requestBytes.length);
  return out;
}

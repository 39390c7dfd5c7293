/**
 * Control messages every service provider answers (Nym: service-providers/common/src/
 * interface/control.rs). They exist only in the versioned interface (>= 3).
 *
 *   ControlRequest   tag (1): 0x00 Health | 0x01 BinaryInfo | 0x02 SupportedRequestVersions
 *                    (no body; bytes after the tag are ignored, as Nym does)
 *   ControlResponse  tag (1) ‖ body:
 *                    0x00 Health                   (no body)
 *                    0x01 BinaryInfo               JSON {binary_name, build_information: {...}}
 *                    0x02 SupportedRequestVersions JSON {interface_version, provider_version}
 *                                                  (each a JSON string, e.g. "{\"type\":\"Versioned\",\"version\":3}")
 *                    0xFF Error                    JSON {message}
 */
import * as v from 'valibot';
import { EmptyMessageError, MalformedJsonError, UnknownTagError } from './errors.js';
import { concatBytes, utf8, utf8Strict } from './version.js';

export type ControlRequest = 'health' | 'binaryInfo' | 'supportedRequestVersions';
const CONTROL_REQUESTS: readonly ControlRequest[] = ['health', 'binaryInfo', 'supportedRequestVersions'];

/** Nym's `BinaryBuildInformationOwned` (common/bin-common/src/build_information/mod.rs). */
export interface BuildInformation {
  readonly binary_name: string;
  readonly build_timestamp: string;
  readonly build_version: string;
  readonly commit_sha: string;
  readonly commit_timestamp: string;
  readonly commit_branch: string;
  readonly rustc_version: string;
  readonly rustc_channel: string;
  readonly cargo_profile: string;
  readonly cargo_triple: string;
}

export interface BinaryInformation {
  readonly binary_name: string;
  readonly build_information: BuildInformation;
}

export interface SupportedVersions {
  readonly interface_version: string;
  readonly provider_version: string;
}

export type ControlResponse =
  | { readonly kind: 'health' }
  | { readonly kind: 'binaryInfo'; readonly info: BinaryInformation }
  | { readonly kind: 'supportedRequestVersions'; readonly versions: SupportedVersions }
  | { readonly kind: 'error'; readonly message: string };

const RESPONSE_TAG = { health: 0x00, binaryInfo: 0x01, supportedRequestVersions: 0x02, error: 0xff } as const;

const str = v.string();
const BuildInformationSchema = v.object({
  binary_name: str,
  build_timestamp: str,
  build_version: str,
  commit_sha: str,
  commit_timestamp: str,
  commit_branch: str,
  rustc_version: str,
  rustc_channel: str,
  cargo_profile: str,
  // serde default "unknown" in Nym
  cargo_triple: v.optional(str, 'unknown'),
});
const BinaryInformationSchema = v.object({ binary_name: str, build_information: BuildInformationSchema });
const SupportedVersionsSchema = v.object({ interface_version: str, provider_version: str });
const ErrorSchema = v.object({ message: str });

export function encodeControlRequest(r: ControlRequest): Uint8Array {
  const i = CONTROL_REQUESTS.indexOf(r);
  if (i < 0) throw new UnknownTagError('control request', -1);
  return Uint8Array.of(i);
}

export function decodeControlRequest(b: Uint8Array): ControlRequest {
  if (b.length === 0) throw new EmptyMessageError('control request');
  const r = CONTROL_REQUESTS[b[0]];
  if (r === undefined) throw new UnknownTagError('control request tag', b[0]);
  return r;
}

export function encodeControlResponse(r: ControlResponse): Uint8Array {
  const tag = Uint8Array.of(RESPONSE_TAG[r.kind]);
  switch (r.kind) {
    case 'health':
      return tag;
    case 'binaryInfo':
      return concatBytes(tag, utf8.encode(JSON.stringify(r.info)));
    case 'supportedRequestVersions':
      return concatBytes(tag, utf8.encode(JSON.stringify(r.versions)));
    case 'error':
      return concatBytes(tag, utf8.encode(JSON.stringify({ message: r.message })));
  }
}

function json<T>(what: string, schema: v.GenericSchema<unknown, T>, b: Uint8Array): T {
  let raw: unknown;
  try {
    raw = JSON.parse(utf8Strict.decode(b));
  } catch (e) {
    throw new MalformedJsonError(what, (e as Error).message);
  }
  const r = v.safeParse(schema, raw);
  if (!r.success)
    throw new MalformedJsonError(what, `${v.getDotPath(r.issues[0]) ?? 'top'}: ${r.issues[0].message}`);
  return r.output;
}

export function decodeControlResponse(b: Uint8Array): ControlResponse {
  if (b.length === 0) throw new EmptyMessageError('control response');
  const body = b.subarray(1);
  switch (b[0]) {
    case RESPONSE_TAG.health:
      return { kind: 'health' };
    case RESPONSE_TAG.binaryInfo:
      return { kind: 'binaryInfo', info: json('binary info', BinaryInformationSchema, body) };
    case RESPONSE_TAG.supportedRequestVersions:
      return {
        kind: 'supportedRequestVersions',
        versions: json('supported versions', SupportedVersionsSchema, body),
      };
    case RESPONSE_TAG.error:
      return { kind: 'error', message: json('error response', ErrorSchema, body).message };
    default:
      throw new UnknownTagError('control response tag', b[0]);
  }
}

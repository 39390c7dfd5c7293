/**
 * What a `ConnectionError` response says, and the SOCKS reply an app gets for it.
 *
 * Nym's requester sends one text only, for a host its filter refuses
 * (service-providers/network-requester/src/core.rs: `format!("Domain {remote_addr:?} failed
 * filter check")`, a Rust Debug string, so the address is in double quotes), and signals
 * any other failed connect by closing the stream at sequence 0 with no data. Nymph's
 * requester sends a `ConnectionError` with one of the texts below *and* that closing
 * message, so Nym's clients close the app's connection too; Nymph's client reads the text
 * to pick the SOCKS reply code (Nym #2926: the app learns why, at once).
 */
import { SOCKS5_REPLY, type Socks5ReplyCode } from './socks.js';

export type ConnectionErrorKind =
  /** The allow list refused the host (Nym's own text). */
  | 'filtered'
  /** The remote refused the TCP connection. */
  | 'refused'
  /** The name did not resolve, or the host could not be reached. */
  | 'unreachable'
  /** No route to the network. */
  | 'network'
  /** The TCP connect timed out. */
  | 'timeout'
  /** The requester's limits: connections per sender, buffers. */
  | 'limit'
  /** A Send for a connection the requester does not know (e.g. it restarted). */
  | 'unknown'
  /** Nothing passed on the connection for the idle timeout. */
  | 'idle'
  /** The remote address is not `host:port`. */
  | 'invalid'
  | 'other';

const PREFIX: Record<Exclude<ConnectionErrorKind, 'filtered'>, string> = {
  refused: 'connection refused',
  unreachable: 'host unreachable',
  network: 'network unreachable',
  timeout: 'connect timed out',
  limit: 'requester limit',
  unknown: 'unknown connection',
  idle: 'idle timeout',
  invalid: 'invalid remote address',
  other: 'connection failed',
};

/** The text of a `ConnectionError`: `<kind prefix>: <detail>`, or Nym's filter text. */
export function connectionErrorMessage(kind: ConnectionErrorKind, remoteOrDetail: string): string {
  if (kind === 'filtered') return `Domain ${JSON.stringify(remoteOrDetail)} failed filter check`;
  return `${PREFIX[kind]}: ${remoteOrDetail}`;
}

/** The kind a `ConnectionError` text names ('other' for texts of other requesters). */
export function connectionErrorKind(message: string): ConnectionErrorKind {
  if (/failed filter check$/.test(message)) return 'filtered';
  for (const [kind, prefix] of Object.entries(PREFIX))
    if (message.startsWith(`${prefix}:`)) return kind as ConnectionErrorKind;
  return 'other';
}

/** RFC 1928 reply code for a failed CONNECT of this kind. */
export function socksReplyFor(kind: ConnectionErrorKind): Socks5ReplyCode {
  switch (kind) {
    case 'filtered':
      return SOCKS5_REPLY.notAllowedByRuleset;
    case 'refused':
      return SOCKS5_REPLY.connectionRefused;
    case 'unreachable':
    case 'timeout':
      return SOCKS5_REPLY.hostUnreachable;
    case 'network':
      return SOCKS5_REPLY.networkUnreachable;
    default:
      return SOCKS5_REPLY.generalFailure;
  }
}

/**
 * SOCKS over the mixnet as Nym speaks it, as pure codecs (bytes in, bytes out): the
 * provider interface and socks5 requests and responses (Connect, Send, Query, control),
 * stream data, the ordered buffer, remote addresses and the app-side SOCKS4/4a/5
 * handshake. Shared by the SOCKS client (src/socks5) and the network requester
 * (src/requester), and by anything else that talks to a network requester.
 */
export * from './errors.js';
export * from './version.js';
export {
  SOCKET_DATA_HEADER_LEN,
  decodeSocketDataRequest,
  decodeSocketDataResponse,
  encodeSocketDataRequest,
  encodeSocketDataResponse,
  type SocketData,
} from './socket-data.js';
export {
  CONTENT_TAG,
  LEGACY_REQUEST_TAG,
  REQUEST_FLAG,
  decodeProviderRequest,
  decodeRequestContent,
  decodeSocks5Request,
  encodeProviderRequest,
  encodeRequestContent,
  encodeSocks5ProviderRequest,
  encodeSocks5Request,
  type ProviderRequest,
  type ProviderRequestContent,
  type Recipient,
  type Socks5Request,
  type Socks5RequestContent,
} from './request.js';
export {
  RESPONSE_FLAG,
  decodeProviderResponse,
  decodeResponseContent,
  decodeSocks5Response,
  encodeProviderResponse,
  encodeResponseContent,
  encodeSocks5ProviderResponse,
  encodeSocks5Response,
  type ProviderResponse,
  type ProviderResponseContent,
  type Socks5Response,
  type Socks5ResponseContent,
} from './response.js';
export {
  OPEN_EXIT_POLICY,
  decodeQueryRequest,
  decodeQueryResponse,
  encodeQueryRequest,
  encodeQueryResponse,
  isValidIpPattern,
  type ExitPolicy,
  type ExitPolicyRule,
  type PolicyAction,
  type QueryRequest,
  type QueryResponse,
} from './query.js';
export {
  decodeControlRequest,
  decodeControlResponse,
  encodeControlRequest,
  encodeControlResponse,
  type BinaryInformation,
  type BuildInformation,
  type ControlRequest,
  type ControlResponse,
  type SupportedVersions,
} from './control.js';
export { BincodeReader, BincodeWriter } from './bincode.js';
export {
  MAX_REASONABLE_OFFSET,
  OrderedMessageBuffer,
  type OrderedBufferOptions,
  type ReadContiguousData,
} from './ordered-buffer.js';
export {
  ipToString,
  ipv4ToString,
  ipv6ToString,
  parseIp,
  parseIpv4,
  parseIpv6,
  prefixMatches,
  unmapIpv4,
} from './ip.js';
export {
  formatRemoteAddress,
  normalizeDomain,
  parseRemoteAddress,
  parseRemoteHost,
  type RemoteAddress,
  type RemoteHost,
} from './address.js';
export {
  ADDRESS_TYPE,
  COMMAND,
  MAX_SOCKS4_FIELD,
  METHOD_NONE_ACCEPTABLE,
  METHOD_NO_AUTH,
  SOCKS4_REPLY,
  SOCKS4_VERSION,
  SOCKS5_REPLY,
  SOCKS5_VERSION,
  SocksHandshake,
  failureReply,
  socks4Reply,
  socks5Reply,
  successReply,
  type Socks5ReplyCode,
  type SocksStep,
} from './socks.js';
export {
  connectionErrorKind,
  connectionErrorMessage,
  socksReplyFor,
  type ConnectionErrorKind,
} from './connection-error.js';

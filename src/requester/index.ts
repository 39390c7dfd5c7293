/**
 * The network requester: a service provider that opens TCP connections for anonymous
 * mixnet clients, speaking Nym's SOCKS-over-mixnet protocol (src/socks5/protocol).
 */
export { NetworkRequester, type RequesterOptions } from './requester.js';
export { RequestFilter, type FilterDecision, type FilterOptions } from './filter.js';
export { Outbox, type InboundMessage, type MixnetPort, type ReturnPath } from './outbox.js';
export { ProxyConnection, type ConnectionLimits } from './connection.js';
export {
  EMPTY_ALLOW_LIST,
  allowsHost,
  allowsIp,
  isSpecialAddress,
  mergeAllowLists,
  parseAllowList,
  parseIpNet,
  trimComment,
  unknownListEntry,
  type AllowList,
  type IpNet,
  type ParsedAllowList,
} from './allow-list.js';
export {
  RequesterSectionSchema,
  defaultRequesterSection,
  requesterSectionFrom,
  type RequesterSection,
} from './config.js';
export { RequesterConfigError, RequesterError } from './errors.js';
export { DropCounter, silentLog, type RequesterLogger } from '../socks5/protocol/drops.js';

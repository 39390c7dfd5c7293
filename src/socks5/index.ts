/**
 * The SOCKS client: SOCKS4/4a/5 apps on 127.0.0.1:1080, each connection a stream over the
 * mixnet to a network requester, in Nym's SOCKS-over-mixnet protocol (./protocol).
 */
export { Socks5Client, type Socks5ClientOptions, type Socks5MixnetPort } from './client.js';
export { ClientConnection, type ConnectionSettings } from './connection.js';
export {
  DEFAULT_SOCKS5_PORT,
  Socks5SectionSchema,
  defaultSocks5Section,
  socks5SectionFrom,
  type Socks5Section,
} from './config.js';
export { Socks5ClientError, Socks5ConfigError } from './errors.js';
export { DropCounter, silentLog, type ClientLogger } from './protocol/drops.js';

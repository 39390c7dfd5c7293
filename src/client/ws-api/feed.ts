/**
 * Received messages on their way to the native API's apps: every message the client core
 * completes is kept in an inbox (memory-inbox.ts, or delivered-store.ts on disk) before
 * anything else, and the API is told. Made before `core.start` when the inbox is durable:
 * the core confirms a frame to the gateway as soon as its handling returns, and this is
 * where a complete message is kept.
 */
import type { MixnetClientCore, ReceivedMessage } from '../client.js';
import type { AppInbox, HeldMessage } from '../delivered-store.js';

export interface ReceivedFeed {
  readonly inbox: AppInbox;
  /** Called with every message kept from now on, undefined for one not kept (one listener: the API's). */
  listen(l: ((h: HeldMessage | undefined) => void) | undefined): void;
  /** Stops taking messages from the core. */
  close(): void;
}

export function receiveInto(core: MixnetClientCore, inbox: AppInbox, now = () => Date.now()): ReceivedFeed {
  let listener: ((h: HeldMessage | undefined) => void) | undefined;
  const unsubscribe = core.onMessage((m: ReceivedMessage) => {
    const id = inbox.accept(m, now());
    listener?.(id === undefined ? undefined : { id, message: m });
  });
  return {
    inbox,
    listen: (l) => {
      listener = l;
    },
    close: unsubscribe,
  };
}

/**
 * The logging both ends of SOCKS over the mixnet need (pino's signature), a silent default,
 * and the drop counter they share. No I/O here: the logger is handed in.
 */
export interface ClientLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const nothing = (): void => undefined;
/** The requester's name for the same logger. */
export type RequesterLogger = ClientLogger;

export const silentLog: ClientLogger = { debug: nothing, info: nothing, warn: nothing, error: nothing };

/**
 * Counts drops by code and logs the first of each code as a warning (with its context),
 * later ones at debug: bad network data never floods the log.
 */
export class DropCounter {
  readonly counts: Record<string, number> = {};
  constructor(private readonly log: ClientLogger) {}

  drop(code: string, context: object): void {
    const n = (this.counts[code] ?? 0) + 1;
    this.counts[code] = n;
    if (n === 1)
      this.log.warn({ code, ...context }, 'dropped (first of its kind; later ones are logged at debug)');
    else this.log.debug({ code, n, ...context }, 'dropped');
  }

  get total(): number {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }
}

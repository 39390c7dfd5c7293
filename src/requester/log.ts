/** The logging the requester needs (pino's signature), and a silent default. */
export interface RequesterLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const nothing = (): void => undefined;
export const silentLog: RequesterLogger = { debug: nothing, info: nothing, warn: nothing, error: nothing };

/**
 * Counts drops by code and logs the first of each code as a warning (with its context),
 * later ones at debug: bad network data never floods the log.
 */
export class DropCounter {
  readonly counts: Record<string, number> = {};
  constructor(private readonly log: RequesterLogger) {}

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

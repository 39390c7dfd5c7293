/**
 * cosmwasm-std `Decimal` on bigints: a fixed-point number with 18 fractional digits, kept as
 * its atomics (value × 10^18). Division and multiplication round down, as cosmwasm's do, so
 * the numbers the contracts print are the ones Nym's contract would print for the same inputs.
 * Formatting follows cosmwasm's `Display`: no exponent, fraction without trailing zeros.
 */

const SCALE = 10n ** 18n;

export type Decimal = bigint;

/** An integer (u32, Uint128 as a digit string) as a Decimal. */
export function decimalFromInt(n: number | bigint | string): Decimal {
  return BigInt(n) * SCALE;
}

/** Parse "12", "0.5", "1.000000000000000001". Throws RangeError on anything else. */
export function parseDecimal(s: string): Decimal {
  const m = /^(\d+)(?:\.(\d{1,18}))?$/.exec(s);
  if (!m) throw new RangeError(`not a decimal: ${s}`);
  return BigInt(m[1]) * SCALE + BigInt((m[2] ?? '').padEnd(18, '0'));
}

export function formatDecimal(d: Decimal): string {
  if (d < 0n) throw new RangeError('Decimal is unsigned');
  const int = d / SCALE;
  const frac = d % SCALE;
  if (frac === 0n) return int.toString();
  return `${int}.${frac.toString().padStart(18, '0').replace(/0+$/, '')}`;
}

/** a / b, rounded down (cosmwasm `Decimal::checked_div`). */
export function divDecimal(a: Decimal, b: Decimal): Decimal {
  if (b === 0n) throw new RangeError('division by zero');
  return (a * SCALE) / b;
}

/** a × b, rounded down (cosmwasm `Decimal::checked_mul`). */
export function mulDecimal(a: Decimal, b: Decimal): Decimal {
  return (a * b) / SCALE;
}

export const DECIMAL_ONE: Decimal = SCALE;

// Number lists of model.txt lines ("1 3 -2 ..."), decoded strictly: a malformed token is an error
// that names the line and the key, never a silently different number.
import { ModelFormatError } from "./errors";

/** Where a list came from, for error messages. */
export interface ListSource {
  line: number;
  key: string;
}

const MINUS = 45;
const PLUS = 43;
const DOT = 46;
const ZERO = 48;
const NINE = 57;

function isDigit(code: number): boolean {
  return code >= ZERO && code <= NINE;
}

/**
 * Splits a space-separated list, dropping empty tokens as LightGBM's Common::Split does (linear-leaf
 * lists have double spaces; an empty value is an empty list, as in trees with one leaf).
 */
export function splitList(value: string): string[] {
  const tokens = value.split(" ");
  return tokens.includes("") ? tokens.filter((token) => token !== "") : tokens;
}

function badToken(source: ListSource, token: string, position: number, expected: string): never {
  const shown = token.length > 40 ? `${token.slice(0, 40)}...` : token;
  throw new ModelFormatError(`${source.key}: value ${position + 1} is "${shown}", expected ${expected}`, source.line);
}

/** A decimal integer in [min, max]. */
export function parseInteger(token: string, source: ListSource, position: number, min: number, max: number): number {
  const length = token.length;
  let i = token.charCodeAt(0) === MINUS ? 1 : 0;
  if (i === length || length - i > 16) badToken(source, token, position, "an integer");
  let value = 0;
  for (; i < length; i++) {
    const code = token.charCodeAt(i);
    if (!isDigit(code)) badToken(source, token, position, "an integer");
    value = value * 10 + (code - ZERO);
  }
  if (token.charCodeAt(0) === MINUS) value = -value;
  if (value < min || value > max) badToken(source, token, position, `an integer in [${min}, ${max}]`);
  return value;
}

/**
 * A decimal floating-point number as C's strtod reads it: [sign] digits [. digits] [e [sign] digits],
 * or inf / infinity / nan in any case. Number() then gives the correctly rounded double, as LightGBM's
 * precise parser does. Returns undefined for anything else (Number() alone would accept "", "0x1f").
 */
export function decimalValue(token: string): number | undefined {
  const length = token.length;
  let i = 0;
  let code = token.charCodeAt(0);
  if (code === MINUS || code === PLUS) code = token.charCodeAt(++i);
  let digits = 0;
  while (isDigit(code)) {
    digits++;
    code = token.charCodeAt(++i);
  }
  if (code === DOT) {
    code = token.charCodeAt(++i);
    while (isDigit(code)) {
      digits++;
      code = token.charCodeAt(++i);
    }
  }
  if (digits === 0) return specialValue(token);
  if (code === 101 || code === 69) {
    // e / E
    code = token.charCodeAt(++i);
    if (code === MINUS || code === PLUS) code = token.charCodeAt(++i);
    if (!isDigit(code)) return undefined;
    while (isDigit(code)) code = token.charCodeAt(++i);
  }
  return i === length ? Number(token) : undefined;
}

function specialValue(token: string): number | undefined {
  const lower = token.toLowerCase();
  const unsigned = lower.replace(/^[-+]/, "");
  if (unsigned === "inf" || unsigned === "infinity") return lower.startsWith("-") ? -Infinity : Infinity;
  if (unsigned === "nan") return NaN;
  return undefined;
}

export function parseDouble(token: string, source: ListSource, position: number): number {
  const value = decimalValue(token);
  return value === undefined ? badToken(source, token, position, "a number") : value;
}

export function parseIntegerList(value: string, source: ListSource, min: number, max: number): Int32Array {
  const tokens = splitList(value);
  const out = new Int32Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) out[i] = parseInteger(tokens[i], source, i, min, max);
  return out;
}

export function parseDoubleList(value: string, source: ListSource): Float64Array {
  const tokens = splitList(value);
  const out = new Float64Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) out[i] = parseDouble(tokens[i], source, i);
  return out;
}

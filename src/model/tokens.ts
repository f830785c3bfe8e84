// Number lists of model.txt lines ("1 3 -2 ..."), decoded strictly: a malformed token is an error
// that names the line and the key, never a silently different number. Lists are read in place from
// the model text (a span start..end of it), without a string per token: only an error cuts one out.
import { readDecimal } from "./decimal";
import { ModelFormatError } from "./errors";

/** Where a list came from, for error messages. */
export interface ListSource {
  line: number;
  key: string;
}

const MINUS = 45;
const ZERO = 48;
const NINE = 57;
const SPACE = 32;
/** What list loops read past the end of their list. */
const END = -1;
/** Digits an integer may have: longer ones are refused (past 2^53 they could read inexactly). */
const MAX_INTEGER_DIGITS = 16;

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

/**
 * badToken for the token of a list that starts at text[start] (it ends at a space or at `end`).
 * The list loops pass constants and numbers only: building a string inside a loop makes V8's code
 * for the whole loop several times slower, even where that branch never runs.
 */
function badListToken(text: string, start: number, end: number, position: number, source: ListSource, expected: string): never {
  let stop = text.indexOf(" ", start);
  if (stop < 0 || stop > end) stop = end;
  return badToken(source, text.slice(start, stop), position, expected);
}

function outOfRange(text: string, start: number, end: number, position: number, source: ListSource, min: number, max: number): never {
  return badListToken(text, start, end, position, source, `an integer in [${min}, ${max}]`);
}

/** The most tokens text[start, end) can hold: a one-character token and a space each. */
export function maxTokens(start: number, end: number): number {
  return (end - start + 1) >> 1;
}

/**
 * Reads the integers of the list text[start, end) into `out`; returns how many the list holds.
 * A token is an optional minus and 1 to 16 digits, in [min, max]. Values past out.length are
 * checked and counted but not kept: a list of the wrong length is reported with its length, and a
 * wrong expected length allocates nothing big. cat_threshold's words above 2^31 - 1 are kept as
 * their 32 bits (read them as Uint32).
 */
export function readIntegerList(out: Int32Array, text: string, start: number, end: number, source: ListSource, min: number, max: number): number {
  let count = 0;
  let i = start;
  // each character is read once: `code` is text[i], or END past the list
  let code = i < end ? text.charCodeAt(i) : END;
  for (;;) {
    while (code === SPACE) code = ++i < end ? text.charCodeAt(i) : END;
    if (code === END) return count;
    const tokenStart = i;
    const negative = code === MINUS;
    if (negative) code = ++i < end ? text.charCodeAt(i) : END;
    const digitsStart = i;
    let value = 0;
    while (code !== SPACE && code !== END) {
      if (code < ZERO || code > NINE) badListToken(text, tokenStart, end, count, source, "an integer");
      value = value * 10 + (code - ZERO);
      code = ++i < end ? text.charCodeAt(i) : END;
    }
    if (i === digitsStart || i - digitsStart > MAX_INTEGER_DIGITS) badListToken(text, tokenStart, end, count, source, "an integer");
    if (negative) value = -value;
    if (value < min || value > max) outOfRange(text, tokenStart, end, count, source, min, max);
    if (count < out.length) out[count] = value;
    count++;
  }
}

const ONE_INTEGER = new Int32Array(1);
const ONE_NUMBER = new Float64Array(1);

/** A decimal integer in [min, max] that is the whole token (a header value, num_leaves...). */
export function parseInteger(token: string, source: ListSource, min: number, max: number): number {
  if (token === "" || token.includes(" ")) badToken(source, token, 0, "an integer");
  readIntegerList(ONE_INTEGER, token, 0, token.length, source, min, max);
  return ONE_INTEGER[0];
}

/** readIntegerList for numbers (decimal.ts): reads the list text[start, end) into `out`, returns its length. */
export function readDoubleList(out: Float64Array, text: string, start: number, end: number, source: ListSource): number {
  let count = 0;
  let i = start;
  for (;;) {
    while (i < end && text.charCodeAt(i) === SPACE) i++;
    if (i >= end) return count;
    const stop = count < out.length ? readDecimal(text, i, end, out, count) : readDecimal(text, i, end, ONE_NUMBER, 0);
    if (stop < 0) badListToken(text, i, end, count, source, "a number");
    i = stop;
    count++;
  }
}

/**
 * A decimal floating-point number as C's strtod reads it: [sign] digits [. digits] [e [sign] digits],
 * or inf / infinity / nan in any case, correctly rounded as LightGBM's precise parser does (see
 * decimal.ts). Returns undefined for anything else (Number() alone would accept "", "0x1f").
 */
export function decimalValue(token: string): number | undefined {
  return readDecimal(token, 0, token.length, ONE_NUMBER, 0) === token.length ? ONE_NUMBER[0] : undefined;
}

// Number lists of model.txt lines ("1 3 -2 ..."), decoded strictly: a malformed token is an error
// that names the line and the key, never a silently different number. A list (a span start..end of
// the model text) is copied as bytes into a reused buffer and read there, without a string per
// token (only an error cuts one out of the text): reading a typed array costs a fraction of charCodeAt.
import { readDecimal } from "./decimal";
import { ModelFormatError } from "./errors";

/** Where a list came from, for error messages. */
export interface ListSource {
  line: number;
  key: string;
}

const MINUS = 45;
const ZERO = 48;
const SPACE = 32;
/** Digits an integer may have: longer ones are refused (past 2^53 they could read inexactly). */
const MAX_INTEGER_DIGITS = 16;

/** A character that is not ASCII, as listBytes writes it: part of no number. */
const NOT_ASCII = 127;
/** Up to this length a list is copied char by char: cheaper than encodeInto's call. */
const SHORT_LIST = 32;
const encoder = new TextEncoder();
let bytes = new Uint8Array(1 << 16);

/**
 * text[start, end) as bytes at bytes[0, end - start), one per character, NOT_ASCII for any non-ASCII
 * one, followed by a space: a token always ends at a space, so the loops need no bounds checks.
 */
function listBytes(text: string, start: number, end: number): Uint8Array {
  const length = end - start;
  // the space after the list, and 7 bytes that an 8-byte read at the space reaches (decimal.ts)
  if (bytes.length < length + 8) bytes = new Uint8Array(Math.max(length + 8, 2 * bytes.length));
  if (length <= SHORT_LIST) {
    for (let i = 0; i < length; i++) {
      const code = text.charCodeAt(start + i);
      bytes[i] = code < 128 ? code : NOT_ASCII;
    }
  } else {
    const list = text.slice(start, end);
    // UTF-8 is one byte per character exactly when all are ASCII
    if (encoder.encodeInto(list, bytes).written !== length) encoder.encodeInto(list.replace(/[^\x00-\x7f]/g, "\x7f"), bytes);
  }
  bytes[length] = SPACE;
  return bytes;
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
  const chars = listBytes(text, start, end);
  const length = end - start;
  const kept = out.length;
  let count = 0;
  let i = 0;
  while (i < length) {
    let code = chars[i];
    if (code === SPACE) {
      i++;
      continue;
    }
    const tokenStart = i;
    const negative = code === MINUS;
    if (negative) code = chars[++i];
    const digitsStart = i;
    // `| 0` keeps the loop on 32-bit integers (V8 otherwise may switch it to doubles for good);
    // tokens past SMALL_DIGITS digits, where that could wrap, are read again by longInteger
    let value = 0;
    let digit = code - ZERO;
    while (digit >>> 0 <= 9) {
      value = (value * 10 + digit) | 0;
      digit = chars[++i] - ZERO;
    }
    // the token must end here, at a space (or the one after the list), after 1 to 16 digits
    const digits = i - digitsStart;
    if (digit !== SPACE - ZERO || digits === 0 || digits > MAX_INTEGER_DIGITS) {
      badListToken(text, start + tokenStart, end, count, source, "an integer");
    }
    const signed = digits > SMALL_DIGITS ? longInteger(chars, digitsStart, i, negative) : negative ? -value | 0 : value;
    if (signed < min || signed > max) outOfRange(text, start + tokenStart, end, count, source, min, max);
    if (count < kept) out[count] = signed;
    count++;
    i++; // the space
  }
  return count;
}

/** Up to this many digits, an integer and its running value are below 2^31. */
const SMALL_DIGITS = 9;

/** The integer of the digits chars[start, end), up to 16 of them (exact as a double), negated if `negative`. */
function longInteger(chars: Uint8Array, start: number, end: number, negative: boolean): number {
  let value = 0;
  for (let i = start; i < end; i++) value = value * 10 + (chars[i] - ZERO);
  return negative ? -value : value;
}

const ONE_INTEGER = new Int32Array(1);
const ONE_NUMBER = new Float64Array(1);

/** A decimal integer in [min, max] that is the whole token (a header value...). */
export function parseInteger(token: string, source: ListSource, min: number, max: number): number {
  return readInteger(token, 0, token.length, source, min, max);
}

/** parseInteger for the token text[start, end) (num_leaves...), without cutting it out. */
export function readInteger(text: string, start: number, end: number, source: ListSource, min: number, max: number): number {
  let spaced = start === end;
  for (let i = start; i < end; i++) if (text.charCodeAt(i) === SPACE) spaced = true;
  if (spaced) badToken(source, text.slice(start, end), 0, "an integer");
  readIntegerList(ONE_INTEGER, text, start, end, source, min, max);
  return ONE_INTEGER[0];
}

/** readIntegerList for numbers (decimal.ts): reads the list text[start, end) into `out`, returns its length. */
export function readDoubleList(out: Float64Array, text: string, start: number, end: number, source: ListSource): number {
  const chars = listBytes(text, start, end);
  const length = end - start;
  let count = 0;
  let i = 0;
  for (;;) {
    while (i < length && chars[i] === SPACE) i++;
    if (i >= length) return count;
    const stop = count < out.length ? readDecimal(chars, i, length, out, count) : readDecimal(chars, i, length, ONE_NUMBER, 0);
    if (stop < 0) badListToken(text, start + i, end, count, source, "a number");
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
  return readDecimal(listBytes(token, 0, token.length), 0, token.length, ONE_NUMBER, 0) === token.length ? ONE_NUMBER[0] : undefined;
}

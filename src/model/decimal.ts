// Decimal text -> double, correctly rounded: exactly the double Number(token) gives (and LightGBM's
// precise strtod-style parser), read from the bytes of a list (tokens.ts) without a string per number.
//
// Why not just Number(): a model stores its thresholds and leaf values as %.17g, and `large` holds
// half a million of them; cutting each out as a substring and calling Number() costs 140-200 ns a
// number there, most of the decode time. Here a token's significant digits are read as the integer
// w (up to 17 digits) and its exponent as q, value = w * 10^q, and:
//   - w exactly a double and |q| <= 22: 10^|q| is a double too, so one multiplication or division
//     (IEEE: correctly rounded) is the answer (Clinger's fast path);
//   - otherwise w * 10^q is computed in double-double arithmetic (error-free transformations: TwoSum,
//     Dekker's TwoProduct with Veltkamp splitting, since JavaScript has no FMA) to about 2^-103
//     relative error. If the exact value is provably on the same side of both rounding midpoints as
//     that approximation, its rounding is the answer; otherwise (a value within 2^-96 of a midpoint,
//     in practice only decimal strings written to be halfway cases) Number() decides.
// Tokens with more than 17 significant digits, or far outside the range models use, go to Number().
// test/decimal-parse.test.ts holds this to Number() bit for bit on millions of strings.

const MINUS = 45;
const PLUS = 43;
const DOT = 46;
const ZERO = 48;
const ONE = 49;
const NINE = 57;
const LOWER_E = 101;
const UPPER_E = 69;

/**
 * Significant digits of the fast paths: %.17g writes 17. Digits go to `high` until it holds at least
 * HIGH_DIGITS (a run of four can take it to 11), the rest to `low`.
 */
const MAX_DIGITS = 17;
const HIGH_DIGITS = 8;
/** Four ASCII digits in a little-endian 32-bit word have these high nibbles, and so do the digits + 6. */
const FOUR_DIGITS = 0x33333333;
/** Decimal exponents of the double-double path: products and their errors stay normal doubles. */
const MIN_EXPONENT = -250;
const MAX_EXPONENT = 250;
/** Bound on the double-double result's relative error, with a wide margin (writeScaled shows 2^-102.7). */
const ERROR_BOUND = 2 ** -96;
/** Veltkamp's splitting constant 2^27 + 1: splits a double into two 26-bit halves. */
const SPLITTER = 134217729;

/** 10^0 .. 10^22: exactly representable as doubles. */
const EXACT_POWERS = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

const SPACE = 32;

let fallbacks = 0;

/** How many numbers needed Number() so far (for the tests: the fast paths must decide nearly all). */
export function decimalFallbacks(): number {
  return fallbacks;
}

/**
 * Reads the token that starts at text[start] and ends at the next space or at `end`, as C's strtod
 * reads a whole token: [sign] digits [. digits] [e [sign] digits], or inf / infinity / nan in any
 * case (Number() would also take "", "0x1f" or " 1", and not "inf"). `text` holds character codes
 * (ASCII; any other character as a code that is not part of a number), and text[end] must be a
 * space (tokens.ts puts one there): every loop stops at it without a bounds check; and 7 more bytes
 * must follow (an 8-byte read, as two 4-byte loads, may reach past the space). Writes the value
 * to out[at] and returns where the token ends, or returns -1 when the token is not such a number.
 */
export function readDecimal(text: Uint8Array, start: number, end: number, out: Float64Array, at: number): number {
  let i = start;
  let code = text[i];
  const negative = code === MINUS;
  if (code === MINUS || code === PLUS) code = text[++i];
  const mantissaStart = i;
  let point = -1; // where the fraction's digits start, if there is a decimal point
  // Leading zeros, before and after the point, add nothing to the value.
  while (code === ZERO) code = text[++i];
  if (code === DOT) {
    point = i + 1;
    code = text[++i];
    while (code === ZERO) code = text[++i];
  }
  // The significant digits: into `high` until it holds HIGH_DIGITS, then into `low` up to MAX_DIGITS;
  // beyond that they are only counted (Number() reads such tokens).
  const words = viewOf(text);
  let significant = 0;
  let high = 0;
  let low = 0;
  let lowDigits = 0;
  // %.17g's usual shapes, "0.ddd..." (leading zeros and point skipped above) and "d.ddd...": with
  // the digit before the point taken here, the next digits are read eight at a time, in straight-line
  // code (the loop below exits at varying places, which costs mispredicted branches).
  if (point < 0 && (code - ONE) >>> 0 <= 8 && text[i + 1] === DOT) {
    high = code - ZERO;
    significant = 1;
    point = i + 2;
    i += 2;
  }
  if (significant <= 1) {
    // i is at most at the token's space: loads reach 7 bytes past it at most (listBytes pads 7).
    // (The digit tests and values are written out: with helpers, which V8 did not inline, it was slower.)
    const a = words.getUint32(i, true);
    const b = words.getUint32(i + 4, true);
    const notDigits = ((a & 0xf0f0f0f0) | (((a + 0x06060606) & 0xf0f0f0f0) >>> 4)) ^ FOUR_DIGITS;
    if ((notDigits | (((b & 0xf0f0f0f0) | (((b + 0x06060606) & 0xf0f0f0f0) >>> 4)) ^ FOUR_DIGITS)) === 0) {
      // high: its first digit and these 8 (writeScaled takes up to 11); per word as below
      const pa = Math.imul(a & 0x0f0f0f0f, 10) + ((a >>> 8) & 0x0f0f0f0f);
      const pb = Math.imul(b & 0x0f0f0f0f, 10) + ((b >>> 8) & 0x0f0f0f0f);
      high = high * 1e8 + ((pa & 0xff) * 1000000 + ((pa >>> 16) & 0xff) * 10000 + (pb & 0xff) * 100 + ((pb >>> 16) & 0xff));
      significant += 8;
      i += 8;
      const c = words.getUint32(i, true);
      const d = words.getUint32(i + 4, true);
      const notMore = ((c & 0xf0f0f0f0) | (((c + 0x06060606) & 0xf0f0f0f0) >>> 4)) ^ FOUR_DIGITS;
      if ((notMore | (((d & 0xf0f0f0f0) | (((d + 0x06060606) & 0xf0f0f0f0) >>> 4)) ^ FOUR_DIGITS)) === 0) {
        const pc = Math.imul(c & 0x0f0f0f0f, 10) + ((c >>> 8) & 0x0f0f0f0f);
        const pd = Math.imul(d & 0x0f0f0f0f, 10) + ((d >>> 8) & 0x0f0f0f0f);
        low = (pc & 0xff) * 1000000 + ((pc >>> 16) & 0xff) * 10000 + (pd & 0xff) * 100 + ((pd >>> 16) & 0xff);
        lowDigits = 8;
        significant += 8;
        i += 8;
      }
    }
  }
  for (;;) {
    // four digits at once where there are four (most of %.17g's digits): one load, no branch per digit
    if (significant <= MAX_DIGITS - 4) {
      const word = words.getUint32(i, true);
      if (((word & 0xf0f0f0f0) | (((word + 0x06060606) & 0xf0f0f0f0) >>> 4)) === FOUR_DIGITS) {
        // digit values d0..d3 (d0 first, in the low byte) -> bytes 10 d0 + d1, 10 d2 + d3 -> the number
        const pairs = Math.imul(word & 0x0f0f0f0f, 10) + ((word >>> 8) & 0x0f0f0f0f);
        const four = (pairs & 0xff) * 100 + ((pairs >>> 16) & 0xff);
        if (significant < HIGH_DIGITS) {
          high = high * 10000 + four;
        } else {
          low = low * 10000 + four;
          lowDigits += 4;
        }
        significant += 4;
        i += 4;
        continue;
      }
    }
    code = text[i];
    const digit = code - ZERO;
    if (digit >= 0 && digit <= 9) {
      if (significant < HIGH_DIGITS) {
        high = high * 10 + digit;
      } else if (significant < MAX_DIGITS) {
        low = low * 10 + digit;
        lowDigits++;
      }
      significant++;
    } else if (code === DOT && point < 0) {
      point = i + 1;
    } else {
      break;
    }
    i++;
  }
  if (i - mantissaStart === (point < 0 ? 0 : 1)) return special(text, start, end, out, at); // no digits
  // value = (the significant digits as an integer) * 10^exponent
  let exponent = point < 0 ? 0 : point - i;
  if (code === LOWER_E || code === UPPER_E) {
    code = text[++i];
    const negativeExponent = code === MINUS;
    if (code === MINUS || code === PLUS) code = text[++i];
    if (!(code >= ZERO && code <= NINE)) return -1;
    let written = 0;
    while (code >= ZERO && code <= NINE) {
      if (written < 1e6) written = written * 10 + (code - ZERO); // beyond: 0 or Infinity, Number() says which
      code = text[++i];
    }
    exponent += negativeExponent ? -written : written;
  }
  if (code !== SPACE) return -1;
  if (significant === 0) {
    out[at] = negative ? -0 : 0;
    return i;
  }
  if (significant > MAX_DIGITS || !writeScaled(out, at, negative, high, low, lowDigits, exponent)) {
    fallbacks++;
    out[at] = Number(tokenString(text, start, i));
  }
  return i;
}

let viewed: Uint8Array | null = null;
let view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

/** A DataView of text, kept while the same buffer comes back (one per list, not one per number). */
function viewOf(text: Uint8Array): DataView<ArrayBufferLike> {
  if (text !== viewed) {
    viewed = text;
    view = new DataView(text.buffer, text.byteOffset, text.byteLength);
  }
  return view;
}

/** text[start, end) as a string (cold paths only: a string built in a loop slows V8's code for all of it). */
function tokenString(text: Uint8Array, start: number, end: number): string {
  let token = "";
  for (let i = start; i < end; i += 4096) token += String.fromCharCode(...text.subarray(i, Math.min(i + 4096, end)));
  return token;
}

/** inf, infinity or nan, in any case, with an optional sign. */
function special(text: Uint8Array, start: number, end: number, out: Float64Array, at: number): number {
  let stop = text.indexOf(SPACE, start);
  if (stop < 0 || stop > end) stop = end;
  const token = tokenString(text, start, stop).toLowerCase();
  const unsigned = token.replace(/^[-+]/, "");
  if (unsigned === "inf" || unsigned === "infinity") out[at] = token.startsWith("-") ? -Infinity : Infinity;
  else if (unsigned === "nan") out[at] = NaN;
  else return -1;
  return stop;
}

/**
 * Writes (high * 10^lowDigits + low) * 10^exponent, correctly rounded and negated if `negative`, to
 * out[at], for high of h <= 11 digits (the first nonzero), low < 10^lowDigits, h + lowDigits <= 17; returns false, writing nothing, when the fast
 * paths cannot prove which double it is. (It writes rather than returns the double: a double
 * returned from a call that V8 does not inline is boxed, a heap allocation per number.)
 *
 * The error of the double-double path, with u = 2^-53 and X = s * ph (about the result):
 *   w = s + e exactly, |e| <= u s;  10^q = (ph + pl)(1 + eta), |eta| <= 2^-105.9 (computePowerOfTen);
 *   x = w 10^q = (s ph + s pl + e ph + e pl)(1 + eta), and s ph = p + pe exactly (Dekker).
 *   Computed: tail = RN(pe + RN(RN(s pl) + RN(e ph))), with |pe|, |s pl|, |e ph| <= u X (1 + u).
 *   The roundings cost u^2 X at most (1 + 1) for the two products, 2 for their sum, 3 for the last
 *   sum; e pl, left out, u^2 X; eta 1.07 u^2 X: in all under 9.1 u^2 X < 2^-102.8 X. Fast2Sum makes
 *   rounded + rest = p + tail exactly, so |x - (rounded + rest)| < 2^-102.7 rounded, far inside the
 *   ERROR_BOUND that roundsTo allows for. All terms stay normal doubles for |exponent| <= 250.
 */
function writeScaled(out: Float64Array, at: number, negative: boolean, high: number, low: number, lowDigits: number, exponent: number): boolean {
  // w = s + e exactly (Fast2Sum: high * 10^l, l = lowDigits, is exact since high 5^l < 5^(h + l) 2^h
  // <= 5^17 2^11 < 2^53, and >= 10^l > low)
  const shifted = high * EXACT_POWERS[lowDigits];
  const s = shifted + low;
  const e = low - (s - shifted);
  if (e === 0 && exponent >= -22 && exponent <= 22) {
    const value = exponent < 0 ? s / EXACT_POWERS[-exponent] : s * EXACT_POWERS[exponent];
    out[at] = negative ? -value : value;
    return true;
  }
  if (exponent < MIN_EXPONENT || exponent > MAX_EXPONENT) return false;
  const power = powerOfTen(exponent);
  const ph = POWERS[power];
  const pl = POWERS[power + 1];
  // s * ph = p + pe exactly (Dekker), with ph's halves precomputed
  const p = s * ph;
  const split = SPLITTER * s;
  const sh = split - (split - s);
  const sl = s - sh;
  const phh = POWERS[power + 2];
  const phl = POWERS[power + 3];
  const pe = sh * phh - p + sh * phl + sl * phh + sl * phl;
  // the terms of (s + e)(ph + pl) below 2^-53 of the result; e * pl (< 2^-106) is left out
  const tail = pe + (s * pl + e * ph);
  const rounded = p + tail;
  if (!roundsTo(rounded, tail - (rounded - p))) return false;
  out[at] = negative ? -rounded : rounded;
  return true;
}

// ------------------------------------------------------------------ the rounding decision

const WORDS = new Float64Array(1);
const WORD_BITS = new Uint32Array(WORDS.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const HIGH_WORD = LITTLE_ENDIAN ? 1 : 0;
const LOW_WORD = 1 - HIGH_WORD;

/**
 * Half the spacing of the doubles above one of biased exponent b: 2^(b - 1023 - 52) / 2. A table, not
 * a double built from written words: a read of two just-written halves stalls the processor.
 */
const HALF_SPACING = new Float64Array(2048);
HALF_SPACING[1023] = 2 ** -53;
for (let b = 1024; b < 2048; b++) HALF_SPACING[b] = HALF_SPACING[b - 1] * 2;
for (let b = 1022; b >= 0; b--) HALF_SPACING[b] = HALF_SPACING[b + 1] / 2;

/**
 * Whether every real within ERROR_BOUND * rounded of rounded + rest (rounded > 0 a normal double,
 * |rest| at most half its spacing) rounds to `rounded`: strictly inside both half-spacings, so no
 * tie-breaking is involved. The spacing below a power of two is half the spacing above it.
 */
function roundsTo(rounded: number, rest: number): boolean {
  WORDS[0] = rounded;
  const highBits = WORD_BITS[HIGH_WORD];
  const powerOfTwo = (highBits & 0xfffff) === 0 && WORD_BITS[LOW_WORD] === 0;
  const halfAbove = HALF_SPACING[highBits >>> 20]; // the sign bit is 0
  const halfBelow = powerOfTwo ? halfAbove * 0.5 : halfAbove;
  const bound = rounded * ERROR_BOUND;
  // both sums round monotonically, so a strict comparison of the rounded sums is one of the exact ones
  return rest + bound < halfAbove && rest - bound > -halfBelow;
}

// ------------------------------------------------------------------ powers of ten as double-doubles

/** Per exponent q: ph, pl (ph + pl = 10^q within 2^-105), ph's Veltkamp halves; filled on first use. */
const POWERS = new Float64Array(4 * (MAX_EXPONENT - MIN_EXPONENT + 1));
const POWER_READY = new Uint8Array(MAX_EXPONENT - MIN_EXPONENT + 1);

/** The offset of 10^exponent in POWERS. */
function powerOfTen(exponent: number): number {
  const index = exponent - MIN_EXPONENT;
  if (POWER_READY[index] === 0) {
    computePowerOfTen(exponent, 4 * index);
    POWER_READY[index] = 1;
  }
  return 4 * index;
}

/**
 * 10^q as a double-double, from exact integers: 10^q itself for q >= 0, else the integer part of
 * 2^shift / 10^-q with shift chosen to keep 128 significant bits (truncation error < 2^-127).
 * Number(bigint) rounds correctly; scaling by a power of two is exact in this range.
 */
function computePowerOfTen(q: number, at: number): void {
  const shift = q >= 0 ? 0 : 128 + Math.ceil(-q * Math.log2(10));
  const n = q >= 0 ? 10n ** BigInt(q) : (1n << BigInt(shift)) / 10n ** BigInt(-q);
  const scale = 1 / Number(1n << BigInt(shift));
  const high = Number(n);
  const ph = high * scale;
  const pl = Number(n - BigInt(high)) * scale;
  const split = SPLITTER * ph;
  const phh = split - (split - ph);
  POWERS[at] = ph;
  POWERS[at + 1] = pl;
  POWERS[at + 2] = phh;
  POWERS[at + 3] = ph - phh;
}

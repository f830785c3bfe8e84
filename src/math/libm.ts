// exp and log exactly as the LightGBM build that made our golden outputs computes them.
//
// LightGBM calls std::exp / std::log from glibc. On x86-64 CPUs with FMA (and always on arm64), glibc
// runs its FMA-compiled variant (__exp_fma, __log_fma) of Arm's optimized-routines algorithms, in which
// the compiler fused certain multiply-adds. V8's Math.exp is a different algorithm and differs in the
// last bit for ~6% of sigmoid outputs; an unfused port of the glibc algorithm still differs for 1 in
// ~4000. So this module reproduces the FMA variant operation by operation, as read from the
// disassembly of glibc 2.36's libm: every `fma(a, b, c)` below is one fused instruction there,
// every other operation is one rounded IEEE operation. scripts/check-libm.sh compares it with the
// C library over millions of inputs.

import { bitsView, fromHex, fromWords, HI, highWord, LO, words } from "./bits";
import { EXP_TABLE, LOG_TABLE } from "./glibc-tables";

/**
 * Fused multiply-add a*b + c with a single rounding, emulated in double arithmetic
 * (Boldo & Melquiond, "Emulation of FMA and correctly rounded sums: proved algorithms using
 * rounding to odd", IEEE Trans. Computers 57(4), 2008). Exact as long as nothing overflows and the
 * product's low part stays above the subnormal range, which holds at every call site here
 * (|operands| < 2^800, products > 2^-850).
 */
export function fma(a: number, b: number, c: number): number {
  // a*b = ph + pl exactly (Veltkamp/Dekker)
  const ph = a * b;
  let t = SPLITTER * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLITTER * b;
  const bh = t - (t - b);
  const bl = b - bh;
  const pl = ah * bh - ph + ah * bl + al * bh + al * bl;
  // c + pl = th + tl exactly
  const th = c + pl;
  let z = th - c;
  const tl = c - (th - z) + (pl - z);
  // ph + th = vh + vl exactly
  const vh = ph + th;
  z = vh - ph;
  const vl = ph - (vh - z) + (th - z);
  return vh + addRoundedToOdd(tl, vl);
}

const SPLITTER = 134217729; // 2^27 + 1

/** a + b rounded to the neighbour with an odd last bit when inexact ("round to odd"). */
function addRoundedToOdd(a: number, b: number): number {
  const s = a + b;
  const z = s - a;
  const error = a - (s - z) + (b - z);
  if (error === 0) return s;
  bitsView[0] = s;
  if ((words[LO] & 1) === 1) return s;
  // s is even: the exact sum lies between s and its neighbour towards `error`, which is odd
  // (adjacent doubles of one sign have adjacent bit patterns).
  if (error > 0 === s > 0) {
    words[LO] += 1; // even low word: no carry
  } else if (words[LO] === 0) {
    words[LO] = 0xffffffff;
    words[HI] -= 1;
  } else {
    words[LO] -= 1;
  }
  return bitsView[0];
}

// ---------------------------------------------------------------------------------------------- exp

const EXP_TAIL = new Float64Array(128);
const EXP_SCALE_HI = new Uint32Array(128);
const EXP_SCALE_LO = new Uint32Array(128);
for (let i = 0; i < 128; i++) {
  EXP_TAIL[i] = fromHex(EXP_TABLE[2 * i]);
  EXP_SCALE_HI[i] = parseInt(EXP_TABLE[2 * i + 1].slice(0, 8), 16);
  EXP_SCALE_LO[i] = parseInt(EXP_TABLE[2 * i + 1].slice(8), 16);
}
const INV_LN2_N = fromHex("40671547652b82fe"); // 128 / ln 2
const NEG_LN2_HI_N = fromHex("bf762e42fefa0000");
const NEG_LN2_LO_N = fromHex("bd0cf79abc9e3b3a");
const EXP_SHIFT = fromHex("4338000000000000"); // 0x1.8p52
const C2 = fromHex("3fdffffffffffdbd");
const C3 = fromHex("3fc555555555543c");
const C4 = fromHex("3fa55555cf172b91");
const C5 = fromHex("3f81111167a4d017");
const TWO_POW_1009 = fromHex("7f00000000000000");
const TWO_POW_MINUS_1022 = fromHex("0010000000000000");

/** e^x, bit-identical to glibc's __exp_fma. */
export function exp(x: number): number {
  const abstop = (highWord(x) >>> 20) & 0x7ff;
  let nearOverflowOrUnderflow = false;
  if (abstop - 0x3c9 < 0) return 1.0 + x; // |x| < 2^-54
  if (abstop - 0x3c9 >= 0x3f) {
    // |x| >= 512
    if (abstop >= 0x409) {
      if (x === -Infinity) return 0;
      if (abstop >= 0x7ff) return 1.0 + x; // +Inf or NaN
      return x < 0 ? 0 : Infinity;
    }
    nearOverflowOrUnderflow = true;
  }
  // x = k ln2/128 + r, exp(x) = 2^(k/128) exp(r)
  const kdShifted = fma(x, INV_LN2_N, EXP_SHIFT);
  bitsView[0] = kdShifted;
  const ki = words[LO]; // low 32 bits of k
  const kd = kdShifted - EXP_SHIFT;
  const r = fma(kd, NEG_LN2_LO_N, fma(kd, NEG_LN2_HI_N, x));
  const idx = ki & 127;
  const tail = EXP_TAIL[idx];
  const scaleHi = (EXP_SCALE_HI[idx] + (ki << 13)) >>> 0; // + (k << 45), into the high word
  const scaleLo = EXP_SCALE_LO[idx];
  const r2 = r * r;
  const tmp = fma(r2 * r2, fma(r, C5, C4), fma(r2, fma(r, C3, C2), tail + r));
  if (nearOverflowOrUnderflow) return expNearLimits(tmp, scaleHi, scaleLo, ki);
  const scale = fromWords(scaleHi, scaleLo);
  return fma(scale, tmp, scale);
}

/** glibc's `specialcase`: the scale's exponent may be out of range, so rescale around it. */
function expNearLimits(tmp: number, scaleHi: number, scaleLo: number, ki: number): number {
  if ((ki & 0x80000000) === 0) {
    const scale = fromWords((scaleHi - (1009 << 20)) >>> 0, scaleLo);
    return TWO_POW_1009 * fma(scale, tmp, scale);
  }
  const scale = fromWords((scaleHi + (1022 << 20)) >>> 0, scaleLo);
  const scaledTmp = scale * tmp;
  let y = scale + scaledTmp;
  if (y < 1.0) {
    // round y to the subnormal precision once, avoiding double rounding
    const hi = 1.0 + y;
    let lo = scale - y + scaledTmp;
    lo = 1.0 - hi + y + lo;
    y = lo + hi - 1.0;
    if (y === 0) return 0;
  }
  return y * TWO_POW_MINUS_1022;
}

// ---------------------------------------------------------------------------------------------- log

const LOG_INVC = new Float64Array(128);
const LOG_LOGC = new Float64Array(128);
for (let i = 0; i < 128; i++) {
  LOG_INVC[i] = fromHex(LOG_TABLE[2 * i]);
  LOG_LOGC[i] = fromHex(LOG_TABLE[2 * i + 1]);
}
const LN2_HI = fromHex("3fe62e42fefa3800");
const LN2_LO = fromHex("3d2ef35793c76730");
const A0 = fromHex("bfe0000000000001");
const A1 = fromHex("3fd555555551305b");
const A2 = fromHex("bfcfffffffeb4590");
const A3 = fromHex("3fc999b324f10111");
const A4 = fromHex("bfc55575e506c89f");
const B0 = fromHex("bfe0000000000000");
const B1 = fromHex("3fd5555555555577");
const B2 = fromHex("bfcffffffffffdcb");
const B3 = fromHex("3fc999999995dd0c");
const B4 = fromHex("bfc55555556745a7");
const B5 = fromHex("3fc24924a344de30");
const B6 = fromHex("bfbfffffa4423d65");
const B7 = fromHex("3fbc7184282ad6ca");
const B8 = fromHex("bfb999eb43b068ff");
const B9 = fromHex("3fb78182f7afd085");
const B10 = fromHex("bfb5521375d145cd");
const TWO_POW_27 = 134217728;
const TWO_POW_52 = 4503599627370496;

/** Natural logarithm, bit-identical to glibc's __log_fma. */
export function log(x: number): number {
  if (x >= 0.9375 && x < 1.064697265625) return logNearOne(x);
  let hi = highWord(x);
  let lo = words[LO];
  const top = hi >>> 16;
  if (top - 0x0010 < 0 || top >= 0x7ff0) {
    if (x === 0) return -Infinity;
    if (x === Infinity) return x;
    if ((top & 0x8000) !== 0 || (top & 0x7ff0) === 0x7ff0) return NaN;
    // subnormal: normalise
    hi = (highWord(x * TWO_POW_52) - (52 << 20)) >>> 0;
    lo = words[LO];
  }
  // x = 2^k z with z in [0x1.6p-1, 0x1.6p0); log(x) = k ln2 + log(c) + log1p(z/c - 1)
  const tmp = (hi - 0x3fe60000) | 0;
  const i = (tmp >>> 13) & 127;
  const k = tmp >> 20;
  const z = fromWords((hi - (tmp & 0xfff00000)) >>> 0, lo);
  const r = fma(z, LOG_INVC[i], -1.0);
  const kd = k;
  const w = fma(kd, LN2_HI, LOG_LOGC[i]);
  const sumHi = w + r;
  const sumLo = fma(kd, LN2_LO, w - sumHi + r);
  const r2 = r * r;
  const r3 = r * r2;
  return fma(r3, fma(r2, fma(r, A4, A3), fma(r, A2, A1)), fma(r2, A0, sumLo)) + sumHi;
}

function logNearOne(x: number): number {
  if (x === 1) return 0;
  const r = x - 1.0;
  const r2 = r * r;
  const r3 = r * r2;
  const inner = fma(r3, B10, fma(r2, B9, fma(r, B8, B7)));
  const poly = fma(fma(inner, r3, fma(r2, B6, fma(r, B5, B4))), r3, fma(r2, B3, fma(r, B2, B1)));
  // r - r^2/2 in extra precision
  const rhi = r + TWO_POW_27 * r - TWO_POW_27 * r;
  const rlo = r - rhi;
  const rhi2 = rhi * rhi;
  const hi = fma(rhi2, B0, r);
  let lo = fma(rhi2, B0, r - hi);
  lo = fma(B0 * rlo, r + rhi, lo);
  return hi + fma(poly, r3, lo);
}

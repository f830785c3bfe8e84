// log1p(x) = log(1 + x) exactly as glibc 2.36's __log1p_fma computes it on x86-64 with FMA.
//
// That is fdlibm's s_log1p.c compiled with -mfma; GCC fused some of its multiply-adds, so the result
// can differ in the last bit from an unfused port (and from V8's Math.log1p). As in libm.ts, this
// follows the disassembly: every `fma(a, b, c)` is one fused instruction there, every other operation
// is one rounded IEEE operation. scripts/check-libm.sh compares it with the C library.

import { bitsView, fromHex, fromWords, HI, LO, words } from "./bits";
import { fma } from "./libm";

const LN2_HI = fromHex("3fe62e42fee00000"); // trailing zeros: k * LN2_HI is exact
const LN2_LO = fromHex("3dea39ef35793c76");
const TWO_THIRDS = fromHex("3fe5555555555555");
const LP1 = fromHex("3fe5555555555593");
const LP2 = fromHex("3fd999999997fa04");
const LP3 = fromHex("3fd2492494229359");
const LP4 = fromHex("3fcc71c51d8e78af");
const LP5 = fromHex("3fc7466496cb03de");
const LP6 = fromHex("3fc39a09d078c69f");
const LP7 = fromHex("3fc2f112df3e5244");

/** log(1 + x), bit-identical to glibc's __log1p_fma. */
export function log1p(x: number): number {
  bitsView[0] = x;
  const hx = words[HI] | 0;
  const ax = hx & 0x7fffffff;
  let k = 1;
  let f = x;
  let hu = 1;
  let c = 0;
  if (hx < 0x3fda827a) {
    // x < 0x1.6a09ep-2 (about sqrt(2) - 1), or x negative
    if (ax >= 0x3ff00000) return x === -1 ? -Infinity : NaN; // x <= -1, or NaN with the sign bit set
    if (ax < 0x3e200000) {
      // |x| < 2^-29: two terms suffice; below 2^-54 (and for ±0, subnormals) x itself
      return ax < 0x3c900000 ? x : fma(-(x * x), 0.5, x);
    }
    // The compiled range test puts hx == 0xbfd2bec4 on the k != 0 side (fdlibm's source says <=).
    if (hx > 0 || hx < (0xbfd2bec4 | 0)) k = 0; // about -0.2929 < x < 0.4142: f = x
  } else if (hx >= 0x7ff00000) {
    return x + x; // +Inf or NaN
  }
  if (k !== 0) {
    // 1 + x = 2^k u with u in [sqrt(2)/2, sqrt(2)); c corrects the rounding of 1 + x
    let u: number;
    if (hx < 0x43400000) {
      u = 1.0 + x;
      bitsView[0] = u;
      hu = words[HI];
      k = (hu >> 20) - 1023;
      c = (k > 0 ? 1.0 - (u - x) : x - (u - 1.0)) / u;
    } else {
      u = x; // x >= 2^53: 1 + x rounds to x
      hu = hx;
      k = (hu >> 20) - 1023;
    }
    const lo = words[LO];
    hu &= 0x000fffff;
    if (hu <= 0x6a09d) {
      u = fromWords(hu | 0x3ff00000, lo);
    } else {
      k += 1;
      u = fromWords(hu | 0x3fe00000, lo); // u / 2
      hu = (0x00100000 - hu) >> 2;
    }
    f = u - 1.0;
  }
  const hfsq = 0.5 * f * f;
  if (hu === 0) {
    // |f| < 2^-20
    if (f === 0) return k === 0 ? 0 : fma(k, LN2_HI, fma(k, LN2_LO, c));
    const r = hfsq * fma(-f, TWO_THIRDS, 1.0);
    if (k === 0) return f - r;
    return fma(k, LN2_HI, -(r - fma(k, LN2_LO, c) - f));
  }
  // log(1 + f) = 2s + 2s^3/3 + ... with s = f / (2 + f), i.e. f - hfsq + s (hfsq + R)
  const s = f / (2.0 + f);
  const z = s * s;
  const z2 = z * z;
  const z4 = z2 * z2;
  const z6 = z2 * z4;
  const r = fma(z6, fma(z, LP7, LP6), fma(z4, fma(z, LP5, LP4), fma(z, LP1, z2 * fma(z, LP3, LP2))));
  const t = s * (hfsq + r);
  if (k === 0) return f - (hfsq - t);
  return fma(k, LN2_HI, -(hfsq - (fma(k, LN2_LO, c) + t) - f));
}

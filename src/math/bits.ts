// Bit-level access to doubles for the libm ports (every platform Node runs on is little-endian).
export const bitsView = new Float64Array(1);
export const words = new Uint32Array(bitsView.buffer);
export const LO = 0;
export const HI = 1;

export function highWord(x: number): number {
  bitsView[0] = x;
  return words[HI];
}

export function fromWords(hi: number, lo: number): number {
  words[HI] = hi;
  words[LO] = lo;
  return bitsView[0];
}

/** The double whose IEEE-754 bit pattern is the 16 hex digits `hex`. */
export function fromHex(hex: string): number {
  return fromWords(parseInt(hex.slice(0, 8), 16), parseInt(hex.slice(8), 16));
}

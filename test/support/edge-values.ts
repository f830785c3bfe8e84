// Values that sit on the edges of LightGBM's decisions, for tests that generate rows.

/** LightGBM's kZeroThreshold (the float 1e-35f): |x| at or below it reads as zero. */
export const ZERO_THRESHOLD = 1.0000000180025095e-35;

/** Doubles every decision must get right whatever the model: NaN, signed zeros and infinities, ±kZeroThreshold and just past it, huge and subnormal values. */
export const SPECIAL_VALUES = [NaN, 0, -0, Infinity, -Infinity, ZERO_THRESHOLD, -ZERO_THRESHOLD, 1e-36, 5e-324, -1e300, 1e300];

/** x and the doubles just above and below it (one ulp apart in the bits). */
export function withNeighbours(x: number): number[] {
  const view = new Float64Array([x, x]);
  const bits = new BigInt64Array(view.buffer);
  bits[0] += 1n;
  bits[1] -= 1n;
  return [x, view[0], view[1]];
}

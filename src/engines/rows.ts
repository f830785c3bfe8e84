import { ZERO_THRESHOLD } from "../model/layout";

/**
 * Copies rows (numRows × numFeatures from source[first * numFeatures], model order, NaN = missing)
 * into an engine's input buffer the
 * way LightGBM fills its predict buffer: values with |x| <= kZeroThreshold (and -0) become +0, NaN
 * stays. Each prepared row ends with one NaN slot, the feature that leaf records point at.
 */
export function prepareRows(
  source: ArrayLike<number>, first: number, numRows: number, numFeatures: number, target: Float64Array,
): void {
  const stride = numFeatures + 1;
  for (let i = 0; i < numRows; i++) {
    const from = (first + i) * numFeatures;
    const to = i * stride;
    for (let f = 0; f < numFeatures; f++) {
      const value = source[from + f];
      target[to + f] = value > ZERO_THRESHOLD || value < -ZERO_THRESHOLD || value !== value ? value : 0;
    }
    target[to + numFeatures] = NaN;
  }
}

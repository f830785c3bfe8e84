// The parsed model's many small lists (seven or more per tree) as views of a few large buffers.
// A typed array of its own costs about a microsecond to create (its backing store is allocated and
// registered outside the JS heap), a view of an existing buffer a tenth of that: for a 1000-tree
// model that is several milliseconds. The views keep their buffers alive as long as the model.

/**
 * Elements of the first buffer of each type; each next one is twice as large, up to the last size,
 * so a small model allocates little and a big one few buffers (the unused tail of the last one is the waste).
 */
const FIRST_CHUNK = 1 << 12;
const LAST_CHUNK = 1 << 20;

export class ArrayArena {
  private ints = new Int32Array(0);
  private intsUsed = 0;
  private doubles = new Float64Array(0);
  private doublesUsed = 0;

  /** A zero-filled Int32Array of `length` elements. */
  int32(length: number): Int32Array {
    if (this.intsUsed + length > this.ints.length) {
      this.ints = new Int32Array(nextChunk(this.ints.length, length));
      this.intsUsed = 0;
    }
    this.intsUsed += length;
    return this.ints.subarray(this.intsUsed - length, this.intsUsed);
  }

  /** A zero-filled Float64Array of `length` elements. */
  float64(length: number): Float64Array {
    if (this.doublesUsed + length > this.doubles.length) {
      this.doubles = new Float64Array(nextChunk(this.doubles.length, length));
      this.doublesUsed = 0;
    }
    this.doublesUsed += length;
    return this.doubles.subarray(this.doublesUsed - length, this.doublesUsed);
  }
}

function nextChunk(previous: number, needed: number): number {
  return Math.max(Math.min(Math.max(2 * previous, FIRST_CHUNK), LAST_CHUNK), needed);
}

// The WebAssembly engine: copies a validated ModelLayout into the kernel's linear memory once, then
// scores rows written straight into that memory. The kernel is assembly/index.ts, built to
// build/kernel.wasm (no imports, no allocator: this loader owns the memory map).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type ModelLayout, RECORD_BYTES } from "../model/layout";
import { binModel, COMPACT_EDGE_SLOTS, compactMayFit } from "./binning";
import type { Engine } from "./engine";

interface KernelExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  setModel(...args: number[]): void;
  setBinning(masks: number, edges: number, edgeCounts: number, records: number): void;
  /** Bytes setLeafSets needs, or 0 when the model gets no leaf sets. */
  leafSetBytes(): number;
  /** Builds the leaf sets at `at`; returns where they end. */
  setLeafSets(at: number): number;
  /** Bytes setCompact borrows for the time of the call. */
  compactScratchBytes(): number;
  /** 1 when the model got compact records, 0 when its thresholds do not fit. */
  setCompact(edges: number, records: number, leafValues: number, scratch: number): number;
  rawScratchBytes(numRows: number): number;
  predictRaw(rows: number, numRows: number, treeBegin: number, treeEnd: number, out: number, scratch: number): void;
  rowScratchBytes(): number;
  predictLeaf(rows: number, numRows: number, treeBegin: number, treeEnd: number, out: number, scratch: number): void;
  contribScratchBytes(maxDepth: number): number;
  predictContrib(rows: number, numRows: number, treeBegin: number, treeEnd: number, out: number, scratch: number, maxDepth: number): void;
}

const PAGE_BYTES = 65536;
/** Bytes of one compact record (assembly/model.ts: setCompact). */
const COMPACT_RECORD_BYTES = 4;

let compiledKernel: WebAssembly.Module | null = null;

/** The kernel: LGBM_KERNEL_WASM, else next to the bundle (build/, the Lambda package), else build/. */
export function kernelPath(): string {
  const candidates = [join(__dirname, "kernel.wasm"), join(__dirname, "..", "..", "build", "kernel.wasm")];
  return process.env.LGBM_KERNEL_WASM ?? candidates.find((path) => existsSync(path)) ?? candidates[1];
}

/** The compiled kernel, compiled once per process and shared by every model. */
export function kernelModule(): WebAssembly.Module {
  if (!compiledKernel) {
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = new Uint8Array(readFileSync(kernelPath()));
    } catch {
      throw new Error(`the WASM kernel ${kernelPath()} is missing: run "npm run build" first`);
    }
    compiledKernel = new WebAssembly.Module(bytes);
  }
  return compiledKernel;
}

export class WasmEngine implements Engine {
  readonly name = "wasm";
  /** Which records the walks take (README, "How it works"): pre-binned masks, compact records, or the f64 ones. */
  readonly records: "pre-binned" | "compact" | "f64";
  /**
   * Whether raw scores skip the walks (assembly/leaf-sets.ts): pre-binned or compact records, trees
   * of at most 32 leaves (with compact records, rows with a missing value still walk).
   */
  readonly leafSets: boolean = false;
  private readonly kernel: KernelExports;
  private readonly stride: number;
  /** Start of the per-call workspace (input rows, outputs, TreeSHAP paths), after the model. */
  private readonly workspace: number;
  /** Linear memory's buffer and size, as of the last growth (reading memory.buffer is not free). */
  private buffer: ArrayBuffer;
  private memoryBytes: number;
  // The last views handed out, reused while their size fits and memory has not grown (reserve drops
  // them): a call that scores one row should not allocate more than its result, nor ask a view for
  // its buffer, a call into the runtime.
  private inputView = new Float64Array(0);
  private rawView = new Float64Array(0);
  /**
   * Arrays only TreeSHAP (node counts) or leaf indices (leaf numbers) read: their room is reserved
   * with the model's, but they are copied in on first use. Untouched memory costs nothing, while
   * each fresh page written costs a page fault: on `large`, 6 MB of them.
   */
  private readonly copiedOnFirstUse = new Map<ArrayBufferView, number>();

  constructor(private readonly layout: ModelLayout) {
    this.kernel = new WebAssembly.Instance(kernelModule(), {}).exports as unknown as KernelExports;
    this.stride = layout.numFeatures + 1;
    const linear = layout.linear;
    // memory map: the arrays the kernel reads, each 16-byte aligned, in this order
    const arrays: ArrayBufferView[] = [
      new Uint8Array(layout.nodeRecords),
      layout.nodeCount,
      layout.nodeLeaf,
      layout.treeStart,
      layout.treeFlags,
      layout.treeExpectedValue,
      layout.catBounds,
      layout.catWords,
      linear?.constant ?? new Float64Array(0),
      linear?.begin ?? new Int32Array(0),
      linear?.feature ?? new Int32Array(0),
      linear?.coeff ?? new Float64Array(0),
    ];
    // and, when the model's values fit in 64 bins, the binned decisions, then room for the kernel's
    // binned copy of the records
    const binning = binModel(layout);
    const binningArrays = binning ? [binning.masks, binning.edges, binning.edgeCounts] : [];
    let offset = align(this.kernel.heapBase());
    const place = (bytes: number): number => {
      const at = offset;
      offset = align(offset + bytes);
      return at;
    };
    const pointers = arrays.map((array) => place(array.byteLength));
    const binningPointers = binningArrays.map((array) => place(array.byteLength));
    const binnedRecords = binning ? place(layout.numNodes * RECORD_BYTES) : 0;
    // else, when the model may fit compact records, room for them last: their edges, the records,
    // and the packed leaf outputs (a tree of n leaves has 2n - 1 records)
    const tryCompact = !binning && compactMayFit(layout);
    const compactStart = offset;
    const compactEdges = tryCompact ? place(layout.numFeatures * COMPACT_EDGE_SLOTS * 8) : 0;
    const compactRecords = tryCompact ? place(layout.numNodes * COMPACT_RECORD_BYTES) : 0;
    const compactLeafValues = tryCompact ? place(((layout.numNodes + layout.numTrees) / 2) * 8) : 0;
    this.buffer = this.kernel.memory.buffer;
    this.memoryBytes = this.buffer.byteLength;
    this.reserve(offset);
    arrays.forEach((array, i) => {
      if (array === layout.nodeCount || array === layout.nodeLeaf) this.copiedOnFirstUse.set(array, pointers[i]);
      else this.copyIn(array, pointers[i]);
    });
    binningArrays.forEach((array, i) => this.copyIn(array, binningPointers[i]));
    this.kernel.setModel(...pointers, layout.numFeatures, layout.numClass, layout.numTrees);
    if (binning) this.kernel.setBinning(binningPointers[0], binningPointers[1], binningPointers[2], binnedRecords);
    // the workspace lends setCompact its scratch
    if (tryCompact) this.reserve(offset + this.kernel.compactScratchBytes());
    const compact = tryCompact && this.kernel.setCompact(compactEdges, compactRecords, compactLeafValues, offset) === 1;
    // without compact records, their room goes to what follows
    if (tryCompact && !compact) offset = compactStart;
    this.records = binning ? "pre-binned" : compact ? "compact" : "f64";
    // then, for pre-binned or compact records, the leaf sets
    const leafSetBytes = this.kernel.leafSetBytes();
    this.leafSets = leafSetBytes > 0;
    if (this.leafSets) {
      this.reserve(offset + leafSetBytes);
      offset = align(this.kernel.setLeafSets(offset));
    }
    this.workspace = offset;
  }

  input(numRows: number): Float64Array {
    const size = numRows * this.stride;
    this.reserve(this.workspace + size * 8);
    if (this.inputView.length !== size) {
      this.inputView = new Float64Array(this.buffer, this.workspace, size);
    }
    return this.inputView;
  }

  raw(numRows: number, treeBegin: number, treeEnd: number): Float64Array {
    const size = numRows * this.layout.numClass;
    const out = this.outputAt(numRows, size * 8 + this.kernel.rawScratchBytes(numRows));
    this.kernel.predictRaw(this.workspace, numRows, treeBegin, treeEnd, out, align(out + size * 8));
    const view = this.rawView;
    if (view.length !== size || view.byteOffset !== out) {
      this.rawView = new Float64Array(this.buffer, out, size);
    }
    return this.rawView;
  }

  leaves(numRows: number, treeBegin: number, treeEnd: number): Int32Array {
    this.firstUse(this.layout.nodeLeaf);
    const width = treeEnd - treeBegin;
    const out = this.outputAt(numRows, numRows * width * 4 + this.kernel.rowScratchBytes());
    this.kernel.predictLeaf(this.workspace, numRows, treeBegin, treeEnd, out, align(out + numRows * width * 4));
    return new Int32Array(this.buffer, out, numRows * width);
  }

  contributions(numRows: number, treeBegin: number, treeEnd: number): Float64Array {
    this.firstUse(this.layout.nodeCount);
    const size = numRows * this.layout.numClass * (this.layout.numFeatures + 1);
    const depth = this.layout.maxDepth;
    const out = this.outputAt(numRows, size * 8 + this.kernel.contribScratchBytes(depth));
    const scratch = align(out + size * 8);
    this.kernel.predictContrib(this.workspace, numRows, treeBegin, treeEnd, out, scratch, depth);
    return new Float64Array(this.buffer, out, size);
  }

  private copyIn(array: ArrayBufferView, at: number): void {
    new Uint8Array(this.buffer).set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), at);
  }

  /** Copies `array` into its reserved room if it is one of copiedOnFirstUse and not there yet. */
  private firstUse(array: ArrayBufferView): void {
    const at = this.copiedOnFirstUse.get(array);
    if (at === undefined) return;
    this.copyIn(array, at);
    this.copiedOnFirstUse.delete(array);
  }

  /** Reserves `bytes` after the input rows and returns where they start. */
  private outputAt(numRows: number, bytes: number): number {
    const at = align(this.workspace + numRows * this.stride * 8);
    this.reserve(at + bytes + 16);
    return at;
  }

  /** Grows linear memory to at least `end` bytes. Growing detaches old views: callers re-view. */
  private reserve(end: number): void {
    const missing = end - this.memoryBytes;
    if (missing <= 0) return;
    const memory = this.kernel.memory;
    memory.grow(Math.ceil(missing / PAGE_BYTES));
    this.buffer = memory.buffer;
    this.memoryBytes = this.buffer.byteLength;
    this.inputView = new Float64Array(0);
    this.rawView = new Float64Array(0);
  }
}

function align(offset: number): number {
  return Math.ceil(offset / 16) * 16;
}

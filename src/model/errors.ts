/** A model file that cannot be read or would not score as LightGBM scores it. */
export class ModelFormatError extends Error {
  constructor(
    readonly problem: string,
    /** 1-based line in the model file, when the problem has one. */
    readonly line?: number,
  ) {
    super(line === undefined ? problem : `line ${line}: ${problem}`);
    this.name = "ModelFormatError";
  }
}

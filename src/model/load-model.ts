// model.txt -> Model: parse, read the objective, build and validate the flat layout.
import { buildLayout, type ModelLayout } from "./layout";
import { type Objective, parseObjective } from "./objective";
import { type ModelFile, parseModel } from "./parse-model";
import { TreeNodeReader } from "./tree-nodes";

export interface Model {
  /** What the file says: header, feature names and infos, category tables. */
  file: ModelFile;
  objective: Objective;
  layout: ModelLayout;
}

/** Throws ModelFormatError, naming the line, for anything LightGBM would not score the same way. */
export function loadModel(text: string): Model {
  const file = parseModel(text);
  const objective = parseObjective(file.objective, file.numTreePerIteration, file.objectiveLine);
  return { file, objective, layout: buildLayout(file, new TreeNodeReader(text, file)) };
}

// What each feature is, for the API and the playground: numeric or categorical, and for categorical
// features the category strings of the Python package's pandas_categorical table, if the model has one.
import type { ModelFile } from "./parse-model";

export interface FeatureInfo {
  index: number;
  name: string;
  kind: "numeric" | "categorical";
  /** Numeric: the training range from feature_infos ([min, max]); null if the feature is unused. */
  range: [number, number] | null;
  /** Categorical: the category codes seen in training, from feature_infos. */
  codes: number[] | null;
  /** Categorical with a pandas_categorical table: category i is code i. */
  categories: (string | number)[] | null;
}

/**
 * Categorical features are those of the `[categorical_feature: ...]` parameter, else those whose
 * feature_infos entry is a category list. pandas_categorical holds one list per categorical column
 * of the training DataFrame, in column order, so its i-th list belongs to the i-th categorical feature.
 */
export function describeFeatures(file: ModelFile): FeatureInfo[] {
  const categorical = new Set(
    file.categoricalFeatureParameter ??
      file.featureInfos.flatMap((info, index) => (info.startsWith("-1:") ? [index] : [])),
  );
  const tables = Array.isArray(file.pandasCategorical) ? (file.pandasCategorical as (string | number)[][]) : [];
  const categoricalIndices = [...categorical].sort((a, b) => a - b);
  const tableOf = new Map(tables.length === categoricalIndices.length ? categoricalIndices.map((f, i) => [f, tables[i]]) : []);
  return file.featureNames.map((name, index) => {
    const info = file.featureInfos[index];
    if (categorical.has(index)) {
      const codes = info.startsWith("-1:") ? info.slice(3).split(":").map(Number).sort((a, b) => a - b) : null;
      return { index, name, kind: "categorical", range: null, codes, categories: tableOf.get(index) ?? null };
    }
    const match = /^\[(.+):(.+)\]$/.exec(info);
    const range: [number, number] | null = match ? [Number(match[1]), Number(match[2])] : null;
    return { index, name, kind: "numeric", range, codes: null, categories: null };
  });
}

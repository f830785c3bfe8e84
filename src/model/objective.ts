// The objective line of model.txt -> LightGBM's ConvertOutput (raw score -> prediction), following
// ObjectiveFunction::CreateObjectiveFunction and each objective's string constructor.
import { exp } from "../math/libm";
import { log1p } from "../math/log1p";
import { ModelFormatError } from "./errors";

export interface Objective {
  /** LightGBM's name for it ("binary", "multiclass", "regression", ...), or "none". */
  name: string;
  /** Applies the transform in place to one row's scores, scores[offset .. offset + numClass). */
  convert(scores: Float64Array, offset: number): void;
}

/** ParseObjectiveAlias: LightGBM applies it to the whole value, so aliases only match bare names. */
const ALIASES: Record<string, string> = {
  regression_l2: "regression", mean_squared_error: "regression", mse: "regression", l2: "regression",
  l2_root: "regression", root_mean_squared_error: "regression", rmse: "regression",
  mean_absolute_error: "regression_l1", l1: "regression_l1", mae: "regression_l1",
  softmax: "multiclass",
  multiclass_ova: "multiclassova", ova: "multiclassova", ovr: "multiclassova",
  xentropy: "cross_entropy",
  xentlambda: "cross_entropy_lambda",
  mean_absolute_percentage_error: "mape",
  xendcg: "rank_xendcg", xe_ndcg: "rank_xendcg", xe_ndcg_mart: "rank_xendcg", xendcg_mart: "rank_xendcg",
  none: "custom", null: "custom", na: "custom",
};

const identity = (): void => {};

/**
 * @param value the objective line's value, e.g. "binary sigmoid:1"; null when the model has none
 * @param numClass the model's trees per iteration (scores per row)
 */
export function parseObjective(value: string | null, numClass: number, line: number): Objective {
  if (value === null) return { name: "none", convert: identity };
  // own keys only: "constructor", "__proto__" etc. are unknown objectives, not Object.prototype members
  const tokens = (Object.hasOwn(ALIASES, value) ? ALIASES[value] : value).split(" ").filter((t) => t !== "");
  const name = tokens[0] ?? "";
  const params = new Map<string, string>();
  for (const token of tokens.slice(1)) {
    const parts = token.split(":");
    if (parts.length === 2) params.set(parts[0], parts[1]);
  }
  const fail = (problem: string): never => {
    throw new ModelFormatError(`objective "${value}": ${problem}`, line);
  };
  const sigmoidParameter = (): number => {
    const text = params.get("sigmoid");
    if (text === undefined) return fail("no sigmoid:<value> parameter");
    const sigmoid = lightgbmAtof(text);
    if (!(sigmoid > 0)) fail(`sigmoid must be greater than zero, got "${text}"`);
    return sigmoid;
  };
  const classParameter = (): number => {
    const text = params.get("num_class");
    if (text === undefined || !/^\d+$/.test(text)) return fail("no num_class:<n> parameter");
    if (Number(text) !== numClass) fail(`num_class:${text} but the model has ${numClass} trees per iteration`);
    return numClass;
  };
  const single = (f: (x: number) => number) => (scores: Float64Array, offset: number) => {
    scores[offset] = f(scores[offset]);
  };
  const requireOneClass = () => {
    if (numClass !== 1) fail(`expects one tree per iteration, the model has ${numClass}`);
  };

  switch (name) {
    case "regression":
    case "regression_l1":
    case "quantile":
    case "fair":
    case "mape":
      requireOneClass();
      // "sqrt": the model was trained on sqrt(label); Common::Sign(x) * x * x undoes it.
      return { name, convert: tokens.includes("sqrt") ? single((x) => sign(x) * x * x) : identity };
    case "huber": // LightGBM switches sqrt off for huber
    case "lambdarank":
    case "rank_xendcg":
      requireOneClass();
      return { name, convert: identity };
    case "poisson":
    case "gamma":
    case "tweedie":
      requireOneClass();
      return { name, convert: single(exp) };
    case "binary": {
      requireOneClass();
      const sigmoid = sigmoidParameter();
      return { name, convert: single((x) => 1.0 / (1.0 + exp(-sigmoid * x))) };
    }
    case "cross_entropy":
      requireOneClass();
      return { name, convert: single((x) => 1.0 / (1.0 + exp(-x))) };
    case "cross_entropy_lambda":
      requireOneClass();
      return { name, convert: single((x) => log1p(exp(x))) };
    case "multiclass": {
      const classes = classParameter();
      return { name, convert: (scores, offset) => softmax(scores, offset, classes) };
    }
    case "multiclassova": {
      const classes = classParameter();
      const sigmoid = sigmoidParameter();
      return {
        name,
        convert: (scores, offset) => {
          for (let k = offset; k < offset + classes; k++) scores[k] = 1.0 / (1.0 + exp(-sigmoid * scores[k]));
        },
      };
    }
    case "custom":
      return { name: "none", convert: identity };
    default:
      return fail(`unknown objective "${name}"`);
  }
}

function sign(x: number): number {
  return (x > 0 ? 1 : 0) - (x < 0 ? 1 : 0);
}

/** Common::Softmax: subtract the max, exponentiate, sum in order, divide. */
function softmax(scores: Float64Array, offset: number, count: number): void {
  let max = scores[offset];
  for (let k = 1; k < count; k++) {
    const v = scores[offset + k];
    max = v < max ? max : v; // std::max(v, max)
  }
  let sum = 0;
  for (let k = 0; k < count; k++) {
    const e = exp(scores[offset + k] - max);
    scores[offset + k] = e;
    sum += e;
  }
  for (let k = 0; k < count; k++) scores[offset + k] /= sum;
}

/**
 * LightGBM's legacy Common::Atof, which reads the objective's sigmoid parameter. It is not correctly
 * rounded (digits accumulated in doubles, the fraction divided by a power of ten), so parameters like
 * "0.7" must be read this way to get LightGBM's exact sigmoid.
 */
export function lightgbmAtof(text: string): number {
  let p = 0;
  const at = (i: number) => text.charCodeAt(i);
  const isDigit = (i: number) => at(i) >= 48 && at(i) <= 57;
  let sign = 1.0;
  if (text[p] === "-") {
    sign = -1.0;
    p++;
  } else if (text[p] === "+") {
    p++;
  }
  if (!(isDigit(p) || text[p] === "." || text[p] === "e" || text[p] === "E")) {
    const word = text.slice(p).toLowerCase();
    if (word === "na" || word === "nan" || word === "null") return NaN;
    if (word === "inf" || word === "infinity") return sign * 1e308;
    return NaN;
  }
  let value = 0.0;
  for (; isDigit(p); p++) value = value * 10.0 + (at(p) - 48);
  if (text[p] === ".") {
    let right = 0.0;
    let digits = 0;
    for (p++; isDigit(p); p++, digits++) right = at(p) - 48 + right * 10.0;
    value += right / lightgbmPow(10.0, digits);
  }
  let divide = false;
  let scale = 1.0;
  if (text[p] === "e" || text[p] === "E") {
    p++;
    if (text[p] === "-") {
      divide = true;
      p++;
    } else if (text[p] === "+") {
      p++;
    }
    let exponent = 0;
    for (; isDigit(p); p++) exponent = Math.min(exponent * 10 + (at(p) - 48), 1e9);
    if (exponent > 308) exponent = 308;
    for (; exponent >= 50; exponent -= 50) scale *= 1e50;
    for (; exponent >= 8; exponent -= 8) scale *= 1e8;
    for (; exponent > 0; exponent -= 1) scale *= 10.0;
  }
  if (p !== text.length) return NaN; // trailing garbage: not a number we trust
  return sign * (divide ? value / scale : value * scale);
}

/** Common::Pow, whose rounding lightgbmAtof inherits. */
function lightgbmPow(base: number, power: number): number {
  if (power < 0) return 1.0 / lightgbmPow(base, -power);
  if (power === 0) return 1;
  if (power % 2 === 0) return lightgbmPow(base * base, power / 2);
  if (power % 3 === 0) return lightgbmPow(base * base * base, power / 3);
  return base * lightgbmPow(base, power - 1);
}

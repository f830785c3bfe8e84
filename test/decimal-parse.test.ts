// The model parser's decimal -> double conversion (src/model/decimal.ts) against Number(), bit for bit:
// on every number of every fixture model, on millions of generated strings (LightGBM's %.17g, long,
// short, subnormal, huge, exponent forms, strings next to rounding midpoints) and on known hard cases.
// Number() is correctly rounded, as LightGBM's own parser is; the converter must give the same double.
import { expect } from "chai";
import fc from "fast-check";
import { decimalFallbacks } from "../src/model/decimal";
import { loadModel } from "../src/model/load-model";
import { TreeNodeReader } from "../src/model/tree-nodes";
import { decimalValue, readDoubleList } from "../src/model/tokens";
import { allCases, type GoldenCase } from "./support/fixtures";
import { prng } from "./support/prng";

const SEED = Number(process.env.FC_SEED ?? 20261201);

/** C's strtod grammar (what the model parser accepts), for the reference below. */
const STRTOD = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** The parser's contract, written the slow way: strtod's grammar, then Number() or a special value. */
function reference(token: string): number | undefined {
  if (STRTOD.test(token)) return Number(token);
  const lower = token.toLowerCase();
  const unsigned = lower.replace(/^[-+]/, "");
  if (unsigned === "inf" || unsigned === "infinity") return lower.startsWith("-") ? -Infinity : Infinity;
  if (unsigned === "nan") return NaN;
  return undefined;
}

/** The tokens whose conversion differs from the reference (Object.is: -0 and NaN count), at most 5. */
function mismatches(tokens: Iterable<string>): string[] {
  const found: string[] = [];
  for (const token of tokens) {
    const got = decimalValue(token);
    const expected = reference(token);
    if (!Object.is(got, expected)) {
      found.push(`"${token}": got ${got}, Number() gives ${expected}`);
      if (found.length === 5) break;
    }
  }
  return found;
}

/** printf's %.17g, as LightGBM writes doubles: 17 significant digits, trailing zeros dropped. */
function printf17g(x: number): string {
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const [digits, exponentText] = x.toExponential(16).split("e");
  const exponent = Number(exponentText);
  const trim = (s: string) => (s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s);
  if (exponent < -4 || exponent >= 17) {
    return `${trim(digits)}e${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  return trim(x.toFixed(16 - exponent));
}

const modelTexts = new Map<string, string>();

/** A fixture's model.txt, read (and gunzipped) once for all the tests here. */
function modelText(c: GoldenCase): string {
  if (!modelTexts.has(c.id)) modelTexts.set(c.id, c.text("model.txt"));
  return modelTexts.get(c.id)!;
}

/** Every token of a model file: its numbers (lists, feature ranges, header values), and words. */
function tokensOf(text: string): string[] {
  return text.split(/[\s=:,[\]]+/);
}

// ------------------------------------------------------------------ generators
// Bulk strings come from a small seeded PRNG (fast-check's per-value cost would make millions take
// minutes); fast-check drives the seeds, so a failure is reproduced from FC_SEED and shrinks to its batch.


type Random = () => number;
const below = (random: Random, n: number) => Math.floor(random() * n);
const pick = <T>(random: Random, items: readonly T[]) => items[below(random, items.length)];
/** n random decimal digits. */
function digits(random: Random, n: number): string {
  let out = "";
  for (; n >= 8; n -= 8) out += String(1e8 + below(random, 1e8)).slice(1);
  return n > 0 ? out + String(10 ** n + below(random, 10 ** n)).slice(1) : out;
}

/** A double as LightGBM's %.17g writes it: 17 random significant digits, exponent mostly near 0. */
function lightgbmNumber(random: Random): string {
  const mantissa = `${1 + below(random, 9)}${digits(random, 16)}`;
  const exponent = random() < 0.9 ? below(random, 60) - 40 : below(random, 400) - 200;
  const sign = random() < 0.5 ? "-" : "";
  const trimmed = mantissa.replace(/0+$/, "");
  if (exponent < -4 || exponent >= 17) {
    const fraction = trimmed.slice(1);
    const written = `${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
    return `${sign}${trimmed[0]}${fraction ? `.${fraction}` : ""}e${written}`;
  }
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${trimmed}`;
  const whole = mantissa.slice(0, exponent + 1);
  const fraction = trimmed.slice(exponent + 1);
  return `${sign}${whole}${fraction ? `.${fraction}` : ""}`;
}

/** Random digit strings: sign, leading zeros, 1 to 26 digits, a point anywhere, any exponent. */
function digitString(random: Random): string {
  let mantissa = "0".repeat(below(random, 3)) + digits(random, 1 + below(random, 26));
  if (random() < 0.8) {
    const at = below(random, mantissa.length + 1);
    mantissa = `${mantissa.slice(0, at)}.${mantissa.slice(at)}`;
  }
  const exponent = random() < 0.5 ? "" : `${pick(random, ["e", "E"])}${pick(random, ["", "+", "-"])}${below(random, random() < 0.8 ? 40 : 400)}`;
  return `${pick(random, ["", "-", "+"])}${mantissa}${exponent}`;
}

const WORDS = new Float64Array(1);
const BITS = new BigUint64Array(WORDS.buffer);

/** A double from random bits: any sign, exponent and fraction, subnormals included. */
function anyDouble(random: Random): number {
  do {
    BITS[0] = (BigInt(Math.floor(random() * 2 ** 32)) << 32n) | BigInt(Math.floor(random() * 2 ** 32));
  } while (!Number.isFinite(WORDS[0]));
  return WORDS[0];
}

/** A double printed as LightGBM, JavaScript or printf at another precision would print it. */
function printedDouble(random: Random): string {
  const x = random() < 0.2 ? anyDouble(random) * 2 ** -(below(random, 60)) : anyDouble(random);
  const precision = 1 + below(random, 21);
  switch (below(random, 4)) {
    case 0:
      return printf17g(x);
    case 1:
      return String(x);
    case 2:
      return x.toPrecision(precision);
    default:
      return x.toExponential(precision - 1);
  }
}

/** The exact decimal value of (x + next double) / 2 for a positive finite x, as "d.ddd...e<exp>". */
function midpointAbove(x: number): string {
  WORDS[0] = x;
  const bits = BITS[0];
  const biased = Number(bits >> 52n);
  const fraction = bits & ((1n << 52n) - 1n);
  // x = m * 2^e with m an integer; the midpoint is (2m + 1) * 2^(e - 1)
  const m = biased === 0 ? fraction : fraction | (1n << 52n);
  const e = (biased === 0 ? 1 : biased) - 1075;
  const value = e - 1 >= 0 ? (2n * m + 1n) << BigInt(e - 1) : (2n * m + 1n) * 5n ** BigInt(1 - e); // * 10^(e - 1) if e < 1
  const all = value.toString();
  const exponent = all.length - 1 + Math.min(e - 1, 0);
  return `${all[0]}.${all.slice(1) || "0"}e${exponent}`;
}

/** Strings next to the midpoint above a random double: cut to 15..21 digits, last digit + 1, and exact. */
function nearMidpoint(random: Random): string[] {
  const exact = midpointAbove(Math.abs(anyDouble(random)) || Number.MIN_VALUE);
  const [mantissa, exponent] = exact.split("e");
  const all = mantissa.replace(".", "");
  const n = 15 + below(random, 7);
  const place = (d: string, shift: number) => `${d[0]}.${d.slice(1) || "0"}e${Number(exponent) + shift}`;
  if (all.length <= n) return [exact];
  const cut = all.slice(0, n);
  const up = (BigInt(cut) + 1n).toString();
  return [place(cut, 0), place(up, up.length - cut.length), ...(exact.length < 100 ? [exact] : [])];
}

/** Checks batches of `perBatch` tokens from `make`, one batch per fast-check run. */
function checkGenerated(make: (random: Random) => string | string[], tokens: number, perBatch: number, seed: number): void {
  fc.assert(
    fc.property(fc.integer(), (batchSeed) => {
      const random = prng(batchSeed);
      const batch = Array.from({ length: perBatch }, () => make(random)).flat();
      expect(mismatches(batch)).to.deep.equal([]);
    }),
    { seed, numRuns: Math.ceil(tokens / perBatch) },
  );
}

// ------------------------------------------------------------------ tests

describe("decimal -> double conversion of the model parser", function () {
  this.timeout(60_000);

  it("every number token of every fixture model, as decimalValue reads it", () => {
    for (const c of allCases()) expect(mismatches(tokensOf(modelText(c))), c.id).to.deep.equal([]);
  });

  it("every threshold and leaf value of every fixture model, as the model loader reads them", () => {
    const before = decimalFallbacks();
    let numbers = 0;
    for (const c of allCases()) {
      const text = modelText(c);
      const { file } = loadModel(text);
      const nodes = new TreeNodeReader(text, file);
      let tree = -1;
      for (const line of text.split("\n")) {
        if (line.startsWith("Tree=")) tree++;
        if (line === "end of trees") break;
        const key = line.slice(0, line.indexOf("="));
        if (key !== "threshold" && key !== "leaf_value") continue;
        const expected = line.slice(key.length + 1).split(" ").filter(Boolean).map(reference);
        const { numLeaves } = file.trees[tree];
        const read = nodes.read(file.trees[tree]);
        const parsed = key === "threshold" ? read.threshold.subarray(0, numLeaves - 1) : read.leafValue.subarray(0, numLeaves);
        const differ = expected.findIndex((value, i) => !Object.is(parsed[i], value));
        expect(differ, `${c.id} Tree=${tree} ${key}: value ${differ + 1}`).to.equal(-1);
        expect(parsed.length, `${c.id} Tree=${tree} ${key}`).to.equal(expected.length);
        numbers += expected.length;
      }
    }
    // and without Number(): the fast paths decide every number LightGBM wrote
    expect(numbers).to.be.greaterThan(500_000);
    expect(decimalFallbacks() - before).to.equal(0);
  });

  it("known hard cases: halfway points, 2^53, the ends of the double range, signed zeros", () => {
    const cases = [
      "9007199254740991", "9007199254740992", "9007199254740993", "9007199254740994", "9007199254740995",
      "9007199254740993.0000000001", "18014398509481985", "18014398509481986", "4503599627370496.5", "4503599627370497.5",
      "1e23", "8.98846567431158e307", "1.00000000000000011102230246251565404236316680908203125",
      "1.00000000000000011102230246251565404236316680908203124", "1.00000000000000011102230246251565404236316680908203126",
      "0.1", "0.2", "0.3", "0.30000000000000004", "1.0000000180025095e-35", "3.0000000000000004",
      "2.2250738585072011e-308", "2.2250738585072012e-308", "2.2250738585072014e-308", "2.2250738585072009e-308",
      "4.9406564584124654e-324", "5e-324", "1e-323", "2.4703282292062327e-324", "2.4703282292062328e-324",
      "1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308", "1e309", "-1e309", "1e400",
      "1e-400", "-1e-400", "1e-99999999999", "1e99999999999", "-0", "0", "+0", "0.0", "-0.0e5", "0e-999", "-.0",
      "00000000000000000000001", "0.000000000000000000000000000000000000000000001", "123456789012345678901234567890",
      "0.1e1", "1.", ".5", "-.5", "+.5e-3", "1E5", "1e+05", "1e0005", "1e-05", "-4.0822500000000002",
      "7.2057594037927933e16", "0.99999999999999994", "0.99999999999999995", "0.99999999999999997",
      "inf", "-inf", "+INF", "Infinity", "-infinity", "nan", "NaN", "-nan",
    ];
    expect(mismatches(cases)).to.deep.equal([]);
    expect(decimalValue("9007199254740993")).to.equal(9007199254740992);
    expect(Object.is(decimalValue("-0"), -0)).to.equal(true);
    expect(decimalValue("1.7976931348623159e308")).to.equal(Infinity);
  });

  it("refuses what strtod would not read as a whole token", () => {
    const refused = [
      "", " ", "-", "+", ".", "-.", "e", "e5", "1e", "1e+", "1e-", "0x10", "1.2.3", "--1", "+-1", "1,5", " 1", "1 ",
      "1.5x", "∞", "Infinityy", "infinit", "nan(1)", "1e5.5", "1_000", "1e 5", "١", "1\r", "\t1",
    ];
    for (const token of refused) expect(decimalValue(token), JSON.stringify(token)).to.equal(undefined);
    expect(mismatches(refused)).to.deep.equal([]);
  });

  it("600,000 numbers as LightGBM's %.17g writes them, nearly all decided without Number()", () => {
    const before = decimalFallbacks();
    checkGenerated(lightgbmNumber, 600_000, 10_000, SEED);
    // Number() decides the strings within 2^-96 of a rounding midpoint: here the 17-digit odd integers
    // between 2^53 and 2^55 (exact ties, which no printed double is), about 0.3%
    expect(decimalFallbacks() - before).to.be.below(3_000);
  });

  it("digits read four and eight at a time: every length to 21 and every point position, alone and within lists", () => {
    const random = prng(SEED + 4);
    const tokens: string[] = [];
    for (let length = 1; length <= 21; length++) {
      for (let at = 0; at <= length; at++) {
        for (let k = 0; k < 40; k++) {
          const run = digits(random, length);
          const mantissa = at === length ? run : `${run.slice(0, at)}.${run.slice(at)}`;
          tokens.push(`${pick(random, ["", "-"])}${"0".repeat(below(random, 3))}${mantissa}${pick(random, ["", "", "e-5", "e+17"])}`);
        }
      }
    }
    expect(mismatches(tokens)).to.deep.equal([]);
    // the same tokens as lists, where a load can reach past a token's end into the next one
    const out = new Float64Array(64);
    for (let first = 0; first < tokens.length; first += 50) {
      const list = tokens.slice(first, first + 50);
      const text = `x=${list.join(" ")}`;
      expect(readDoubleList(out, text, 2, text.length, { key: "x", line: 1 })).to.equal(list.length);
      const differ = list.findIndex((token, i) => !Object.is(out[i], reference(token)));
      expect(differ, list[differ]).to.equal(-1);
    }
  });

  it("300,000 random digit strings (long, short, leading zeros, exponents)", () => {
    checkGenerated(digitString, 300_000, 10_000, SEED + 1);
  });

  it("doubles of every magnitude (subnormal to huge) printed by %.17g, JavaScript, other precisions", () => {
    checkGenerated(printedDouble, 100_000, 2_000, SEED + 2);
  });

  it("strings next to rounding midpoints, and the exact midpoints (ties to even)", () => {
    checkGenerated(nearMidpoint, 20_000, 500, SEED + 3);
  });
});

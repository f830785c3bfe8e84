// Compares src/math/libm.ts with the C library on millions of inputs (see scripts/check-libm.sh).
// With --samples FILE it also writes the first inputs of each function and the C library's answers
// to FILE, which test/libm.test.ts replays on machines without a C compiler.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { exp, fma, log } from "../src/math/libm";
import { log1p } from "../src/math/log1p";

const oracle = process.argv[2];
const count = Number(process.argv[3] ?? 2_000_000);
const samplesFile = process.argv[4] === "--samples" ? process.argv[5] : undefined;
const SAMPLES_PER_FUNCTION = 2000;
const samples: Record<string, string[][]> = {};
const hex = (x: number) => {
  bits[0] = x;
  return words[1].toString(16).padStart(8, "0") + words[0].toString(16).padStart(8, "0");
};
let seed = 0x9e3779b9;
function random(): number {
  // xorshift32: reproducible inputs
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 4294967296;
}
const bits = new Float64Array(1);
const words = new Uint32Array(bits.buffer);
function randomBitsDouble(): number {
  words[0] = (random() * 4294967296) >>> 0;
  words[1] = (random() * 4294967296) >>> 0;
  return bits[0];
}

function check(name: string, arity: number, make: () => number[], ours: (...a: number[]) => number): number {
  const inputs = new Float64Array(count * arity);
  for (let i = 0; i < count; i++) inputs.set(make(), i * arity);
  const out = execFileSync(oracle, [name], { input: Buffer.from(inputs.buffer), maxBuffer: 1 << 30 });
  const expected = new Float64Array(out.buffer, out.byteOffset, count);
  let mismatches = 0;
  samples[name] = [];
  for (let i = 0; i < count; i++) {
    const args = Array.from(inputs.subarray(i * arity, i * arity + arity));
    if (i < SAMPLES_PER_FUNCTION) samples[name].push([...args.map(hex), hex(expected[i])]);
    const got = ours(...args);
    if (!Object.is(got, expected[i]) && !(Number.isNaN(got) && Number.isNaN(expected[i]))) {
      if (mismatches++ < 5) console.log(`${name}(${args.join(", ")}) = ${got}, C library: ${expected[i]}`);
    }
  }
  console.log(`${name}: ${count} inputs, ${mismatches} mismatches`);
  return mismatches;
}

const pick = <T>(choices: (() => T)[]): T => choices[Math.floor(random() * choices.length)]();
let failures = 0;
failures += check("exp", 1, () => [pick([
  () => (random() - 0.5) * 1500,
  () => (random() - 0.5) * 80,
  () => (random() - 0.5) * 2,
  () => (random() - 0.5) * 1e-10,
  () => -708 - random() * 40,
  () => 700 + random() * 12,
  randomBitsDouble,
])], exp);
failures += check("log", 1, () => [pick([
  () => 0.9 + random() * 0.2,
  () => 1 + (random() - 0.5) * 1e-12,
  () => random() * 1e6,
  () => Math.abs(randomBitsDouble()),
  () => random() * 1e-310,
  () => 1 + Math.exp(((random() - 0.5) * 80)),
])], log);
const sign = () => (random() < 0.5 ? -1 : 1);
// high words where log1p's branches switch: 2^-54, 2^-29, -0.2929, 0.4142, -1, 2^53, Inf
const LOG1P_EDGES = [0x3c900000, 0x3e200000, 0xbfd2bec4, 0x3fda827a, 0xbff00000, 0x43400000, 0x7ff00000];
function nearLog1pEdge(): number {
  words[1] = LOG1P_EDGES[Math.floor(random() * LOG1P_EDGES.length)] + Math.floor((random() - 0.5) * 8);
  words[0] = random() < 0.3 ? 0 : (random() * 4294967296) >>> 0;
  return bits[0];
}
const LOG1P_SPECIALS = [-1, -0, 0, Infinity, -Infinity, NaN, 5e-324, -5e-324, 2 ** -1022, -(2 ** -1022), -1 + 2 ** -53, -1 - 2 ** -52, 2 ** 53, 1.7976931348623157e308];
failures += check("log1p", 1, () => [pick([
  () => -1 + random() * 0.71,
  () => -0.29 + random() * 0.704,
  () => sign() * 2 ** (-20 + (random() - 0.5) * 4),
  () => sign() * 2 ** (-29 + (random() - 0.5) * 4),
  () => sign() * 2 ** (-54 + (random() - 0.5) * 4),
  () => 2 ** (random() * 1023.9),
  () => Math.exp((random() - 0.5) * 80),
  // 1 + x just above or below a power of two: the |f| < 2^-20 path
  () => 2 ** Math.floor((random() - 0.3) * 80) * (1 + sign() * Math.floor(random() * 2 ** 21) * 2 ** -53) - 1,
  randomBitsDouble,
  nearLog1pEdge,
  () => LOG1P_SPECIALS[Math.floor(random() * LOG1P_SPECIALS.length)],
])], log1p);
failures += check("fma", 3, () => {
  const a = (random() - 0.5) * 2 ** Math.floor((random() - 0.5) * 120);
  const b = (random() - 0.5) * 2 ** Math.floor((random() - 0.5) * 120);
  const c = random() < 0.3 ? -a * b * (1 + (random() - 0.5) * 2 ** -40) : (random() - 0.5) * 2 ** Math.floor((random() - 0.5) * 120);
  return [a, b, c];
}, fma);
if (samplesFile) writeFileSync(samplesFile, `${JSON.stringify(samples)}\n`);
process.exit(failures === 0 ? 0 : 1);

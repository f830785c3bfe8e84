// exp, log, log1p and fma against answers recorded from glibc 2.36's libm (the FMA variants LightGBM
// used), by scripts/check-libm.sh --samples. That script checks millions more where a C compiler is.
import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { exp, fma, log } from "../src/math/libm";
import { log1p } from "../src/math/log1p";

const samples: Record<string, string[][]> = JSON.parse(
  readFileSync(join(__dirname, "fixtures", "libm", "glibc-samples.json"), "utf8"),
);
const functions: Record<string, (...args: number[]) => number> = { exp, log, log1p, fma };

function fromHex(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

describe("libm: bit-identical to glibc's FMA variants", () => {
  for (const [name, cases] of Object.entries(samples)) {
    it(`${name}: ${cases.length} recorded inputs`, () => {
      const mismatches = cases.filter((record) => {
        const args = record.slice(0, -1).map(fromHex);
        const expected = fromHex(record[record.length - 1]);
        const got = functions[name](...args);
        return !(Object.is(got, expected) || (Number.isNaN(got) && Number.isNaN(expected)));
      });
      expect(mismatches.slice(0, 3)).to.deep.equal([]);
    });
  }

  it("special values", () => {
    expect(exp(0)).to.equal(1);
    expect(exp(-Infinity)).to.equal(0);
    expect(exp(Infinity)).to.equal(Infinity);
    expect(exp(710)).to.equal(Infinity);
    expect(exp(-746)).to.equal(0);
    expect(exp(NaN)).to.be.NaN;
    expect(log(1)).to.equal(0);
    expect(log(0)).to.equal(-Infinity);
    expect(log(-1)).to.be.NaN;
    expect(log(Infinity)).to.equal(Infinity);
    expect(log1p(-1)).to.equal(-Infinity);
    expect(log1p(Infinity)).to.equal(Infinity);
    expect(Object.is(log1p(-0), -0)).to.equal(true);
  });
});

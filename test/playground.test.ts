// The playground page (GET /) in a real browser: Debian's headless Chromium driven by playwright-core,
// against npm start's stack (s3rver, the bundled handler, the API Gateway stand-in) on loopback.
// Without /usr/bin/chromium they are skipped with a notice, except in CI (CI=true), where .ci/run
// installs it and a missing browser is a failure.
// UPDATE_SCREENSHOT=1 also writes the README's screenshot, docs/playground.png.
import { expect } from "chai";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { fixtureCase } from "./support/fixtures";
import { type LocalStack, startLocalStack } from "../src/local/stack-process";
import { postJson, request } from "./support/http";

const CHROMIUM = "/usr/bin/chromium";
const FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const SCREENSHOT = join(__dirname, "..", "docs", "playground.png");
const SEED_ROW = [39, 7, 13, 4, 1, 0, 4, 1, 2174, 0, 40, 39];

describe("playground: GET / over HTTP", function () {
  this.timeout(60_000);
  let stack: LocalStack;
  before(async () => (stack = await startLocalStack()));
  after(() => stack?.stop());

  it("is one small self-contained HTML page", async () => {
    const page = await request(`${stack.url}/`);
    expect(page.status).to.equal(200);
    expect(page.headers.get("content-type")).to.equal("text/html; charset=utf-8");
    expect(page.text).to.match(/^<!doctype html>/);
    // nothing is loaded from elsewhere: no external src/href, no <link>, no script file
    expect(page.text).not.to.match(/\b(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(page.text).not.to.match(/<link\b|<script\s+src|<img\b|@import|url\(/i);
    // the one absolute URL is the SVG namespace the script creates elements in
    expect([...new Set(page.text.match(/https?:\/\/[^\s"'`)]+/g))]).to.deep.equal(["http://www.w3.org/2000/svg"]);
    expect(page.headers.get("content-security-policy")).to.match(/default-src 'none'; script-src 'sha256-[^']+'.*connect-src 'self'/);
    const bytes = Buffer.byteLength(page.text);
    console.log(`      (page size: ${bytes} bytes)`);
    expect(bytes).to.be.below(15_000);
  });

  it("GET /model and POST /predict are unchanged, and / is GET only", async () => {
    expect((await request(`${stack.url}/model`)).json.features).to.have.length(12);
    expect((await postJson(`${stack.url}/predict`, [SEED_ROW])).json.predictions).to.deep.equal([0.03721967636976771]);
    expect((await request(`${stack.url}/`, { method: "POST", body: "[]" })).status).to.equal(404); // API Gateway: no such route
  });
});

describe("playground: in headless Chromium", function () {
  this.timeout(60_000);
  const stacks: Record<"adult" | "multiclass" | "mtpl2", LocalStack> = {} as never;
  let browser: BrowserContext | undefined;
  let userDataDir: string | undefined;

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      const missing = `${CHROMIUM} is missing: the playground's browser tests need Debian's chromium (apt-get install -y chromium)`;
      if (process.env.CI) throw new Error(missing);
      console.log(`      (skipped: ${missing})`);
      return this.skip();
    }
    userDataDir = mkdtempSync(join(tmpdir(), "lgbm-playground-chromium-"));
    const [adult, multiclass, mtpl2, context] = await Promise.all([
      startLocalStack(),
      startLocalStack({ MODEL_FILE: join(fixtureCase("golden/multiclass").dir, "model.txt") }),
      startLocalStack({ MODEL_FILE: join(fixtureCase("peer-models/mtpl2").dir, "model.txt") }),
      chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1280, height: 900 } }),
    ]);
    Object.assign(stacks, { adult, multiclass, mtpl2 });
    browser = context;
  });
  after(async () => {
    await browser?.close();
    await Promise.all(Object.values(stacks).map((stack) => stack.stop()));
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  async function open(stack: LocalStack, path = "/"): Promise<Page> {
    const page = await browser!.newPage();
    const problems: string[] = [];
    page.on("pageerror", (error) => problems.push(String(error)));
    page.on("console", (message) => message.type() === "error" && problems.push(message.text()));
    (page as Page & { problems: string[] }).problems = problems;
    await page.goto(`${stack.url}${path}`);
    await page.locator("#try").waitFor();
    return page;
  }
  const problemsOf = (page: Page) => (page as Page & { problems: string[] }).problems;
  const bars = (page: Page) => page.locator("#chart g.bar");

  /** Chooses a row through the form: text for inputs, option values (category codes) for selects. */
  async function fillRow(page: Page, values: Record<string, string>): Promise<void> {
    for (const [name, value] of Object.entries(values)) {
      const field = page.getByLabel(name, { exact: true });
      if ((await field.evaluate((el) => el.tagName)) === "SELECT") await field.selectOption(value);
      else await field.fill(value);
    }
  }
  async function predictInPage(page: Page): Promise<void> {
    const before = await page.locator("#chart svg").count() > 0 ? await page.locator("#chart").innerHTML() : "";
    await page.getByRole("button", { name: "Predict" }).click();
    await page.waitForFunction((old) => document.querySelector("#chart svg") !== null && document.querySelector("#chart")!.innerHTML !== old, before);
  }
  const nonZero = (values: number[]) => values.filter((v) => v !== 0).length;

  describe("the example model (binary)", () => {
    it("shows the model card with every feature", async () => {
      const page = await open(stacks.adult);
      const model = (await request(`${stacks.adult.url}/model`)).json;
      const names = await page.locator("#features tbody th").allTextContents();
      expect(names).to.deep.equal(model.features.map((f: { name: string }) => f.name));
      const card = await page.locator("#card-body dl").innerText();
      expect(card).to.include("binary sigmoid:1").and.include("100 trees, 100 iterations").and.include("version=v4").and.include(model.model.etag);
      expect(await page.locator("#features tbody tr").nth(1).innerText()).to.match(/Workclass\s+categorical\s+0, 1, 2, 4, 5, 6, 7, 8/);
      // one labelled input per feature, pre-filled: mid-range numbers, the first category code
      expect(await page.locator("#fields .field").count()).to.equal(12);
      expect(await page.getByLabel("Age", { exact: true }).inputValue()).to.equal("53");
      expect(await page.getByLabel("Workclass", { exact: true }).inputValue()).to.equal("0");
      expect(problemsOf(page)).to.deep.equal([]);
      await page.close();
    });

    it("predicts a row typed into the form as POST /predict does, and draws one bar per non-zero contribution", async () => {
      const page = await open(stacks.adult);
      const model = (await request(`${stacks.adult.url}/model`)).json;
      await fillRow(page, Object.fromEntries(model.features.map((f: { name: string }, i: number) => [f.name, String(SEED_ROW[i])])));
      await predictInPage(page);
      const [normal, contrib] = await Promise.all([
        postJson(`${stacks.adult.url}/predict`, [SEED_ROW]),
        postJson(`${stacks.adult.url}/predict`, { rows: [SEED_ROW], type: "contrib" }),
      ]);
      expect(await page.locator("#value").textContent()).to.equal(String(normal.json.predictions[0]));
      expect(await page.locator("#value").textContent()).to.equal("0.03721967636976771");
      const shap: number[] = contrib.json.predictions[0];
      expect(await bars(page).count()).to.equal(nonZero(shap.slice(0, -1)));
      // largest first, named with the row's value; the table holds the exact numbers, bias first
      const largest = shap.slice(0, -1).reduce((best, v, i, all) => (Math.abs(v) > Math.abs(all[best]) ? i : best), 0);
      expect(await bars(page).first().locator("text").first().textContent()).to.equal(`${model.features[largest].name} = ${SEED_ROW[largest]}`);
      const cells = await page.locator("#contrib-table td.num").allTextContents();
      expect(cells.map(Number)).to.have.members([shap.at(-1)!, ...shap.slice(0, -1).filter((v) => v !== 0)]);
      expect(new URL(page.url()).searchParams.get("row")).to.equal(SEED_ROW.join(","));

      if (process.env.UPDATE_SCREENSHOT) {
        mkdirSync(join(SCREENSHOT, ".."), { recursive: true });
        await page.screenshot({ path: SCREENSHOT, fullPage: true });
      }
      expect(problemsOf(page)).to.deep.equal([]);
      await page.close();
    });

    it("works from the keyboard: Enter in a field predicts; an empty field is a missing value", async () => {
      const page = await open(stacks.adult, `/?row=${SEED_ROW.join(",")}`);
      await page.getByLabel("Capital_Gain", { exact: true }).fill("");
      await page.getByLabel("Capital_Gain", { exact: true }).press("Enter");
      await page.locator("#value").waitFor();
      const expected = await postJson(`${stacks.adult.url}/predict`, [[...SEED_ROW.slice(0, 8), null, ...SEED_ROW.slice(9)]]);
      expect(await page.locator("#value").textContent()).to.equal(String(expected.json.predictions[0]));
      await page.close();
    });

    it("shows the API's error message in plain words for a bad value", async () => {
      const page = await open(stacks.adult);
      await fillRow(page, { Age: "thirty-nine" });
      await page.getByRole("button", { name: "Predict" }).click();
      const alert = page.getByRole("alert");
      await alert.waitFor();
      const row = await page.evaluate(() => [...document.querySelectorAll<HTMLInputElement>("#fields input, #fields select")].map((el) => (el.value === "" ? null : Number.isFinite(Number(el.value)) ? Number(el.value) : el.value)));
      const api = await postJson(`${stacks.adult.url}/predict`, [row]);
      expect(api.status).to.equal(400);
      expect(api.json.message).to.match(/^row 0, feature "Age": "thirty-nine" is a string; send a number/);
      expect(await alert.innerText()).to.include(api.json.message);
      expect(await page.locator("#result").isHidden()).to.equal(true);
      await page.close();
    });

    it("says why when the model is unavailable (a 503 from GET model)", async () => {
      const page = await browser!.newPage();
      await page.route("**/model", (route) =>
        route.fulfill({ status: 503, contentType: "application/json", body: JSON.stringify({ error: "model_unavailable", message: "loading s3://models/model.txt failed: line 1: expected \"tree\"" }) }));
      await page.goto(`${stacks.adult.url}/`);
      expect(await page.getByRole("alert").innerText()).to.include('The model is not available: loading s3://models/model.txt failed: line 1: expected "tree" (HTTP 503, model_unavailable)');
      expect(await page.locator("#try").isHidden()).to.equal(true);
      await page.close();
    });

    it("reads on a phone: nothing wider than the screen", async () => {
      const page = await browser!.newPage();
      await page.setViewportSize({ width: 375, height: 740 });
      await page.goto(`${stacks.adult.url}/?row=${SEED_ROW.join(",")}`);
      await page.locator("#try").waitFor();
      await predictInPage(page);
      const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, chart: document.querySelector("#chart svg")!.getBoundingClientRect().width }));
      expect(widths.page).to.be.at.most(375);
      expect(widths.chart).to.be.at.most(375);
      await page.close();
    });
  });

  describe("a multiclass model (golden/multiclass)", () => {
    it("shows every class's probability and explains the predicted class, or the one chosen", async () => {
      const page = await open(stacks.multiclass);
      expect(await page.locator("#card-body dl").innerText()).to.match(/Classes\s+5/);
      const row = await page.evaluate(() => [...document.querySelectorAll<HTMLInputElement>("#fields input")].map((el) => Number(el.value)));
      expect(row).to.have.length(10);
      await predictInPage(page);
      const [normal, contrib] = await Promise.all([
        postJson(`${stacks.multiclass.url}/predict`, [row]),
        postJson(`${stacks.multiclass.url}/predict`, { rows: [row], type: "contrib" }),
      ]);
      const probabilities: number[] = normal.json.predictions[0];
      expect(await page.locator(".classes output").allTextContents()).to.deep.equal(probabilities.map(String));
      const best = probabilities.indexOf(Math.max(...probabilities));
      expect(await page.getByLabel("Explain class").inputValue()).to.equal(String(best));
      const perClass = (k: number) => (contrib.json.predictions[0] as number[]).slice(k * 11, (k + 1) * 11);
      expect(await bars(page).count()).to.equal(nonZero(perClass(best).slice(0, -1)));
      const other = (best + 1) % 5;
      await page.getByLabel("Explain class").selectOption(String(other));
      expect(await page.locator("#chart-caption").textContent()).to.include(`For class ${other},`);
      expect(await bars(page).count()).to.equal(nonZero(perClass(other).slice(0, -1)));
      expect(Number(await page.locator("#contrib-table td.num").first().textContent())).to.equal(perClass(other)[10]);
      expect(problemsOf(page)).to.deep.equal([]);
      await page.close();
    });
  });

  describe("a model with pandas categories (peer-models/mtpl2)", () => {
    it("offers the category strings in selects and predicts as POST /predict does with those strings", async () => {
      const page = await open(stacks.mtpl2);
      const region = page.getByLabel("Region", { exact: true });
      expect(await region.evaluate((el) => el.tagName)).to.equal("SELECT");
      expect((await region.locator("option").allTextContents()).slice(0, 4)).to.deep.equal(["(missing)", "R11", "R21", "R22"]);
      expect(await page.getByLabel("VehGas", { exact: true }).locator("option").allTextContents()).to.deep.equal(["(missing)", "Diesel", "Regular"]);
      expect(await page.locator("#features tbody tr", { hasText: "Region" }).innerText()).to.include("R11, R21, R22");

      await page.getByLabel("Region", { exact: true }).selectOption({ label: "R24" });
      await page.getByLabel("VehGas", { exact: true }).selectOption({ label: "Regular" });
      await fillRow(page, { VehAge: "3", Area: "" });
      await predictInPage(page);
      const model = (await request(`${stacks.mtpl2.url}/model`)).json;
      const named: Record<string, unknown> = {};
      for (const f of model.features as { name: string }[]) {
        const value = await page.getByLabel(f.name, { exact: true }).inputValue();
        named[f.name] = value === "" ? null : Number(value);
      }
      Object.assign(named, { Region: "R24", VehGas: "Regular" });
      expect(named).to.include({ VehAge: 3, Area: null });
      const [normal, contrib] = await Promise.all([
        postJson(`${stacks.mtpl2.url}/predict`, { rows: [named] }),
        postJson(`${stacks.mtpl2.url}/predict`, { rows: [named], type: "contrib" }),
      ]);
      expect(await page.locator("#value").textContent()).to.equal(String(normal.json.predictions[0]));
      expect(await bars(page).count()).to.equal(nonZero(contrib.json.predictions[0].slice(0, -1)));
      expect(await page.locator("#chart g.bar text", { hasText: "Region = R24" }).count()).to.equal(nonZero([contrib.json.predictions[0][13]]));
      expect(problemsOf(page)).to.deep.equal([]);
      await page.close();
    });
  });
});

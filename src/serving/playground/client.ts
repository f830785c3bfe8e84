// The playground's browser code. It runs in the page, not in Node: page.ts inlines this function's
// source text (`${playgroundClient}`), so it must be self-contained — no imports, no references to
// anything outside its body. Written in TypeScript so that tsc checks it against the DOM types.
//
// It fetches `model` and posts to `predict` relative to the page, so the page works at
// http://localhost:3000/ as well as at an API Gateway stage URL.

export function playgroundClient(): void {
  interface Feature {
    name: string;
    kind: "numeric" | "categorical";
    range: [number, number] | null;
    codes: number[] | null;
    categories: (string | number)[] | null;
  }
  interface ModelInfo {
    model: { key?: string; etag?: string; sha256?: string; objective: string; num_class: number };
    version: string;
    objective: string;
    num_class: number;
    num_trees: number;
    num_iterations: number;
    features: Feature[];
  }
  type Value = number | string | null;
  interface Explained {
    row: Value[];
    predictions: number | number[];
    contrib: number[];
  }

  const SVG = "http://www.w3.org/2000/svg";
  /** Bars drawn at most; smaller contributions are summed into one "other features" bar. */
  const MAX_BARS = 30;
  const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
  // "/" -> "" and "/prod" -> "prod/": relative URLs resolve under the page either way
  const path = location.pathname;
  const base = path.endsWith("/") ? "" : `${path.slice(path.lastIndexOf("/") + 1)}/`;

  type Child = Node | string | null | undefined | false;
  function h(tag: string, attrs: Record<string, string | number | boolean> = {}, ...children: Child[]): HTMLElement {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) if (v !== false) el.setAttribute(k, v === true ? "" : String(v));
    for (const c of children) if (c || c === "") el.append(c);
    return el;
  }
  function s(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    if (text !== undefined) el.textContent = text;
    return el;
  }
  const num = (x: number, digits = 4) => (Number.isInteger(x) ? String(x) : String(Number(x.toPrecision(digits))));
  /** For the chart: a typographic minus, and a plus on positive contributions. */
  const signed = (x: number, plus = true, digits = 3) => (x > 0 && plus ? "+" : x < 0 ? "−" : "") + num(Math.abs(x), digits);

  class ApiError extends Error {}
  /** GET (no body) or POST JSON; a non-2xx answer throws with the API's own message. */
  async function api(route: string, body?: unknown): Promise<any> {
    let response: Response;
    try {
      response = await fetch(base + route, body === undefined
        ? { cache: "no-store" }
        : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    } catch (error) {
      throw new ApiError(`Could not reach the API (${(error as Error).message}).`);
    }
    const text = await response.text();
    let data: any;
    try {
      data = JSON.parse(text);
    } catch {
      data = undefined;
    }
    if (!response.ok) {
      const message = typeof data?.message === "string" ? data.message : text.slice(0, 300) || response.statusText;
      throw new ApiError(`${message} (HTTP ${response.status}${data?.error ? `, ${data.error}` : ""})`);
    }
    if (data === undefined) throw new ApiError(`The API answered ${route} with something that is not JSON.`);
    return data;
  }

  function showError(error: unknown): void {
    const box = $("error");
    box.textContent = "";
    box.append(h("strong", {}, "No prediction. "), error instanceof Error ? error.message : String(error));
    box.hidden = false;
  }

  let info: ModelInfo;
  let features: Feature[];
  const inputs: (HTMLInputElement | HTMLSelectElement)[] = [];
  let explained: Explained | null = null;

  // ---- model card ----
  function card(): void {
    const m = info.model;
    const entries: [string, string][] = [
      ["Objective", info.objective],
      ["Classes", info.num_class > 1 ? String(info.num_class) : "1 output"],
      ["Trees", `${info.num_trees} trees, ${info.num_iterations} iterations`],
      ["Version line", `version=${info.version}`],
      ["Source", m.key ?? "bundled file"],
      [m.etag ? "ETag" : "SHA-256", m.etag ?? m.sha256 ?? "?"],
    ];
    const dl = h("dl", {}, ...entries.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]));
    const rows = features.map((f, i) => {
      let values = "unused by the trees";
      if (f.kind === "numeric" && f.range) values = `${num(f.range[0])} to ${num(f.range[1])}`;
      if (f.kind === "categorical") {
        const list = f.categories ?? f.codes;
        values = list ? list.slice(0, 8).join(", ") + (list.length > 8 ? `, … (${list.length})` : "") : "any code";
      }
      return h("tr", {}, h("td", {}, String(i)), h("th", { scope: "row" }, f.name), h("td", {}, f.kind), h("td", {}, values));
    });
    const table = h("table", { id: "features" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "#"), h("th", { scope: "col" }, "Feature"), h("th", { scope: "col" }, "Kind"), h("th", { scope: "col" }, "Values in training"))),
      h("tbody", {}, ...rows));
    const details = h("details", { open: features.length <= 40 }, h("summary", {}, `${features.length} features`), h("div", { class: "scroll" }, table));
    $("card-body").replaceChildren(dl, details);
  }

  // ---- the form ----
  function exampleValue(f: Feature): string {
    if (f.kind === "categorical") {
      if (f.codes?.length) return String(f.codes[0]);
      return f.categories?.length ? "0" : "";
    }
    if (!f.range) return "";
    const [lo, hi] = f.range;
    const mid = (lo + hi) / 2;
    return Number.isInteger(lo) && Number.isInteger(hi) ? String(Math.floor(mid)) : num(mid, 3);
  }

  function form(): void {
    const fields = features.map((f, i) => {
      const id = `f${i}`;
      let input: HTMLInputElement | HTMLSelectElement;
      let hint: string;
      if (f.kind === "categorical" && (f.categories || f.codes)) {
        const options = f.categories
          ? f.categories.map((c, code) => h("option", { value: code }, String(c)))
          : f.codes!.map((code) => h("option", { value: code }, String(code)));
        input = h("select", { id, name: f.name, "aria-describedby": `${id}h` }, h("option", { value: "" }, "(missing)"), ...options) as HTMLSelectElement;
        hint = f.categories ? `category, ${f.categories.length} values` : `category code, ${f.codes!.length} seen`;
      } else {
        input = h("input", { id, name: f.name, type: "text", autocomplete: "off", spellcheck: "false", "aria-describedby": `${id}h`, placeholder: "missing" }) as HTMLInputElement;
        hint = f.kind === "categorical" ? "category code" : f.range ? `${num(f.range[0])} to ${num(f.range[1])}` : "unused";
      }
      inputs.push(input);
      return h("div", { class: "field" }, h("label", { for: id }, f.name), input, h("small", { id: `${id}h` }, hint));
    });
    $("fields").replaceChildren(...fields);
    fill(features.map(exampleValue));
    // ?row=39,7,... (values in feature order, empty = missing) pre-fills the form: shareable links
    const query = new URLSearchParams(location.search).get("row");
    if (query !== null) fill(query.split(",").map(decodeURIComponent));
  }

  function fill(values: string[]): void {
    values.forEach((v, i) => {
      const input = inputs[i];
      if (!input) return;
      if (input instanceof HTMLSelectElement && ![...input.options].some((o) => o.value === v)) return;
      input.value = v;
    });
  }

  /** What the API gets: empty is null (missing); a number is sent as one; any other text as typed, for the API to judge. */
  function valueOf(input: HTMLInputElement | HTMLSelectElement): Value {
    const text = input.value.trim();
    if (text === "") return null;
    const n = Number(text);
    return Number.isFinite(n) ? n : text;
  }

  async function predict(event: Event): Promise<void> {
    event.preventDefault();
    const button = $<HTMLButtonElement>("predict");
    button.disabled = true;
    $("error").hidden = true;
    $("status").textContent = "Predicting…";
    const row = inputs.map(valueOf);
    try {
      const [normal, contrib] = await Promise.all([api("predict", { rows: [row] }), api("predict", { rows: [row], type: "contrib" })]);
      explained = { row, predictions: normal.predictions[0], contrib: contrib.predictions[0] };
      history.replaceState(null, "", `?row=${inputs.map((i) => encodeURIComponent(i.value.trim())).join(",")}`);
      $("status").textContent = "";
      result();
    } catch (error) {
      $("status").textContent = "";
      showError(error);
    } finally {
      button.disabled = false;
    }
  }

  // ---- the prediction and its explanation ----
  function result(): void {
    if (!explained) return;
    const p = explained.predictions;
    const out = $("prediction");
    const select = $<HTMLSelectElement>("class");
    if (Array.isArray(p)) {
      const best = p.indexOf(Math.max(...p));
      out.replaceChildren(h("p", {}, "Predicted class ", h("strong", {}, String(best))),
        h("ol", { start: 0, class: "classes" }, ...p.map((v, k) => h("li", k === best ? { class: "best" } : {}, h("span", {}, `class ${k}: `), h("output", {}, String(v))))));
      select.replaceChildren(...p.map((v, k) => h("option", { value: k }, `class ${k} (${num(v, 3)})`)));
      select.value = String(best);
      $("class-field").hidden = false;
    } else {
      const what = info.model.objective === "binary" ? "Probability of class 1" : "Prediction";
      out.replaceChildren(h("p", {}, `${what}: `, h("output", { id: "value" }, String(p))));
      $("class-field").hidden = true;
    }
    $("result").hidden = false;
    chart();
  }

  function chart(): void {
    if (!explained) return;
    const width = features.length + 1;
    const k = Array.isArray(explained.predictions) ? Number($<HTMLSelectElement>("class").value) : 0;
    const values = explained.contrib.slice(k * width, (k + 1) * width);
    const bias = values[width - 1];
    const label = (i: number) => {
      const f = features[i];
      const v = explained!.row[i];
      const shown = v === null ? "missing" : f.categories && typeof v === "number" && f.categories[v] !== undefined ? f.categories[v] : v;
      return `${f.name} = ${shown}`;
    };
    let items = values.slice(0, -1).map((v, i) => ({ v, text: label(i) })).filter((b) => b.v !== 0).sort((a, b) => Math.abs(b.v) - Math.abs(a.v));
    if (items.length > MAX_BARS) {
      const rest = items.slice(MAX_BARS - 1);
      items = [...items.slice(0, MAX_BARS - 1), { v: rest.reduce((a, b) => a + b.v, 0), text: `${rest.length} other features` }];
    }
    let total = bias;
    const steps = items.map((b) => ({ ...b, from: total, to: (total += b.v) }));
    const ends = [bias, ...steps.map((b) => b.to)];
    let lo = Math.min(...ends);
    let hi = Math.max(...ends);
    const pad = (hi - lo || Math.abs(hi) || 1) * 0.04;
    lo -= pad;
    hi += pad;

    const box = $("chart");
    const W = Math.max(280, box.clientWidth);
    const labelW = Math.min(Math.round(W * 0.36), 220);
    const valueW = 68;
    const x0 = labelW + 6;
    const x1 = W - valueW;
    const rowH = 24;
    const H = rowH * (steps.length + 2) + 8;
    const x = (v: number) => x0 + ((v - lo) / (hi - lo)) * (x1 - x0);
    const svg = s("svg", { width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: "img", "aria-labelledby": "chart-caption" });
    const row = (i: number, text: string, value: string, cls: string) => {
      const y = i * rowH + 4;
      const g = s("g", { class: cls });
      g.append(s("title", {}, `${text}: ${value}`));
      g.append(s("text", { x: labelW, y: y + 16, "text-anchor": "end", class: "label" }, text), s("text", { x: W - 2, y: y + 16, "text-anchor": "end", class: "num" }, value));
      svg.append(g);
      return { g, y };
    };
    if (lo < 0 && hi > 0) svg.append(s("line", { x1: x(0), x2: x(0), y1: 0, y2: H, class: "zero" }));
    for (const [v, cls] of [[bias, "guide"], [total, "guide"]] as const) svg.append(s("line", { x1: x(v), x2: x(v), y1: 4, y2: H - 4, class: cls }));
    row(0, "bias", signed(bias, false, 4), "bias").g.append(s("rect", { x: x(bias) - 1.5, y: 6, width: 3, height: rowH - 4, class: "mark" }));
    steps.forEach((b, i) => {
      const { g, y } = row(i + 1, b.text, signed(b.v), b.v > 0 ? "bar pos" : "bar neg");
      const a = x(Math.min(b.from, b.to));
      g.prepend(s("rect", { x: a, y: y + 3, width: Math.max(1, x(Math.max(b.from, b.to)) - a), height: rowH - 6, rx: 2 }));
    });
    row(steps.length + 1, "raw score", signed(total, false, 4), "total").g.append(s("rect", { x: x(total) - 1.5, y: (steps.length + 1) * rowH + 6, width: 3, height: rowH - 4, class: "mark" }));
    box.replaceChildren(svg);
    // labels too long for their column lose characters from the end (the row's <title> has them all)
    for (const t of svg.querySelectorAll<SVGTextElement>("text.label")) {
      const text = t.textContent!;
      for (let n = text.length - 1; n > 4 && t.getComputedTextLength() > labelW - 4; n--) t.textContent = `${text.slice(0, n)}…`;
    }

    const cls = Array.isArray(explained.predictions) ? `For class ${k}, each` : "Each";
    $("chart-caption").textContent =
      `${cls} bar is one feature's SHAP contribution to the raw score (before the ${info.model.objective} objective's transform), ` +
      `largest first, walking from the bias (the model's average raw score) to this row's raw score. Red pushes the score up, blue down; features contributing exactly 0 are left out.`;
    const table = h("table", {}, h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Feature = value"), h("th", { scope: "col" }, "Contribution"))),
      h("tbody", {}, ...[["bias", bias] as const, ...items.map((b) => [b.text, b.v] as const)].map(([t, v]) => h("tr", {}, h("td", {}, t), h("td", { class: "num" }, String(v))))));
    $("contrib-table").replaceChildren(table);
  }

  // ---- start ----
  async function start(): Promise<void> {
    try {
      info = await api("model");
    } catch (error) {
      $("card-body").replaceChildren(h("p", { class: "error", role: "alert" }, `The model is not available: ${(error as Error).message}`));
      return;
    }
    features = info.features;
    document.title = `${info.objective.split(" ")[0]} model · lgbm-lambda`;
    card();
    form();
    $("try").hidden = false;
  }

  $("form").addEventListener("submit", predict);
  $("example").addEventListener("click", () => fill(features.map(exampleValue)));
  $("class").addEventListener("change", chart);
  let frame = 0;
  addEventListener("resize", () => {
    cancelAnimationFrame(frame);
    frame = requestAnimationFrame(chart);
  });
  start();
}

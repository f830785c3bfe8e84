// The playground page: one self-contained HTML document (markup, style and script inline; nothing
// fetched from elsewhere), built once per container from the browser code in client.ts.
import { playgroundClient } from "./client";

const STYLE = `
:root{color-scheme:light;--fg:#1d232b;--muted:#5b6572;--line:#d9dee5;--bg:#f5f7fa;--pos:#d0214b;--neg:#1766c9;--accent:#0b5cad;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans",sans-serif;color:var(--fg);background:var(--bg)}
body{margin:0}
header,main{max-width:1200px;margin:0 auto;padding:0 16px}
header{padding-top:14px}
h1{font-size:1.35rem;margin:0 0 2px}
h2{font-size:1.08rem;margin:0 0 10px}
header p{margin:0;color:var(--muted)}
main{display:grid;gap:16px;padding-top:14px;padding-bottom:24px}
@media(min-width:900px){main{grid-template-columns:minmax(0,5fr) minmax(0,7fr);align-items:start}}
section{background:#fff;border:1px solid var(--line);border-radius:8px;padding:14px 16px}
section+section{margin-top:16px}
dl{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:3px 12px;margin:0 0 10px}
dt{color:var(--muted)}
dd{margin:0;overflow-wrap:anywhere}
summary{cursor:pointer;font-weight:600;margin:6px 0}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{text-align:left;padding:3px 6px;border-bottom:1px solid var(--line);vertical-align:top}
td:last-child{overflow-wrap:anywhere}
.num{text-align:right;font-variant-numeric:tabular-nums}
.fields{display:grid;grid-template-columns:repeat(auto-fill,minmax(9rem,1fr));gap:10px}
.field{display:flex;flex-direction:column;min-width:0}
label{font-weight:600;font-size:.9rem;overflow-wrap:anywhere}
input,select,button{font:inherit;box-sizing:border-box;height:2.3rem;border-radius:6px}
input,select{border:1px solid #aab3bf;padding:3px 7px;background:#fff;color:inherit;min-width:0}
small{color:var(--muted);font-size:.78rem}
.actions{display:flex;gap:10px;align-items:center;flex-wrap:wrap;margin-top:14px}
button{border:1px solid var(--accent);background:var(--accent);color:#fff;padding:4px 18px;cursor:pointer}
button[type=button]{background:#fff;color:var(--accent)}
button:disabled{opacity:.6}
:focus-visible{outline:3px solid #f0a020;outline-offset:1px}
.error{background:#fff0f0;border:1px solid #e3a0a0;border-radius:6px;padding:8px 10px;margin:12px 0 0;color:#7a1010}
output{font-weight:700;font-variant-numeric:tabular-nums}
#prediction p{margin:0 0 6px;font-size:1.1rem}
.classes{margin:0 0 8px;padding-left:0;list-style:none;display:flex;flex-wrap:wrap;gap:4px 14px}
.classes .best{color:var(--accent)}
#class-field{max-width:16rem}
#chart{margin-top:8px}
svg{display:block;font-size:12px;font-family:inherit}
svg text{fill:var(--fg)}
.pos rect,.pos .num{fill:var(--pos)}
.neg rect,.neg .num{fill:var(--neg)}
.mark{fill:var(--fg)}
.guide{stroke:#9aa3ae;stroke-dasharray:3 3}
.zero{stroke:var(--line)}
.bias text,.total text{font-weight:600}
#chart-caption{color:var(--muted);font-size:.85rem;margin:8px 0 0}
[hidden]{display:none!important}
`;

const BODY = `
<header><h1>LightGBM model playground</h1><p>Served by this function. It uses the same API as you will: <code>GET model</code> and <code>POST predict</code>.</p></header>
<main>
<section aria-labelledby="card-h"><h2 id="card-h">The model</h2><div id="card-body"><p>Loading the model…</p></div></section>
<div>
<section id="try" aria-labelledby="try-h" hidden><h2 id="try-h">Try a row</h2>
<form id="form" novalidate><div id="fields" class="fields"></div>
<div class="actions"><button id="predict" type="submit">Predict</button><button id="example" type="button">Example row</button><span id="status" role="status"></span></div>
<div id="error" class="error" role="alert" hidden></div></form></section>
<section id="result" aria-labelledby="result-h" aria-live="polite" hidden><h2 id="result-h">Prediction</h2>
<div id="prediction"></div>
<div id="class-field" class="field" hidden><label for="class">Explain class</label><select id="class"></select></div>
<div id="chart"></div><p id="chart-caption"></p>
<details><summary>Contributions as a table</summary><div id="contrib-table" class="scroll"></div></details>
</section>
</div>
</main>
<noscript><p>This page needs JavaScript. The API works without it: POST predict, GET model.</p></noscript>`;

/** The browser code as inline script text. tsx (tests, scripts) compiles with esbuild's keepNames,
 * whose `__name(fn, "name")` calls would reach the page: give them a stand-in. */
export function clientScript(): string {
  const source = `(${playgroundClient})();`;
  return source.includes("__name(") ? `var __name=(f)=>f;${source}` : source;
}

export function renderPage(script: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>lgbm-lambda playground</title><style>${STYLE.trim()}</style></head>
<body>${BODY}
<script>${script}</script></body></html>
`;
}

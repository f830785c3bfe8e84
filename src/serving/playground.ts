// GET /: the playground page (src/serving/playground/). A static document, built once per container;
// the page itself fetches the model's description and posts predictions, so it needs no model to be
// served, and shows the API's 503 message when there is none.
import { createHash } from "node:crypto";
import type { Response } from "./http";
import { clientScript, renderPage } from "./playground/page";

let page: Response | undefined;

export function playground(): Response {
  page ??= build();
  return page;
}

function build(): Response {
  const script = clientScript();
  if (script.includes("</script")) throw new Error("the playground script contains </script");
  const hash = createHash("sha256").update(script).digest("base64");
  // the page may run only its own inline script and talk only to this API
  const csp = [
    "default-src 'none'",
    `script-src 'sha256-${hash}'`,
    "style-src 'unsafe-inline'",
    "connect-src 'self'",
    "img-src data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
  return {
    statusCode: 200,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-cache",
      "content-security-policy": csp,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
    },
    body: renderPage(script),
  };
}

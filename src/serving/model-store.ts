// The model the function serves, loaded once per container and swapped atomically when its source
// changes. A request takes the current model at its start, so a reload never disturbs it; a reload
// that fails keeps the previous model and logs why.
import type { EngineName } from "../engines/engine";
import { describeFeatures, type FeatureInfo } from "../model/features";
import { loadModel, type Model } from "../model/load-model";
import { Scorer } from "../scorer";
import { errorFields, log } from "./log";
import type { ModelIdentity, ModelSource } from "./model-source";

export interface LoadedModel {
  model: Model;
  scorer: Scorer;
  features: FeatureInfo[];
  identity: ModelIdentity;
}

/** While no model could be loaded, retry at most this often (each try is a HeadObject). */
const RETRY_MS = 1000;

export class ModelStore {
  private loaded: LoadedModel | null = null;
  private loadedTag: string | null = null;
  private failedTag: string | null = null;
  private lastError: string | null = null;
  private lastCheck = -Infinity;
  private refreshing: Promise<void> | null = null;

  constructor(
    private readonly source: ModelSource,
    private readonly refreshSeconds: number,
  ) {}

  get current(): LoadedModel | null {
    return this.loaded;
  }

  /** Why no model is loaded (or why the last reload failed). */
  get error(): string | null {
    return this.lastError;
  }

  /** Checks the source if the refresh interval has passed; concurrent callers share one check. */
  refreshIfDue(now = Date.now()): Promise<void> {
    const interval = this.loaded ? this.refreshSeconds * 1000 : RETRY_MS;
    if (this.refreshing) return this.refreshing;
    if (now - this.lastCheck < interval) return Promise.resolve();
    this.lastCheck = now;
    this.refreshing = this.refresh().finally(() => (this.refreshing = null));
    return this.refreshing;
  }

  private async refresh(): Promise<void> {
    try {
      const tag = await this.source.currentTag();
      if (tag === this.loadedTag || tag === this.failedTag) return;
      const started = performance.now();
      const { text, tag: fetchedTag, identity } = await this.source.fetch();
      const model = loadModel(text);
      const scorer = createScorer(model);
      const previous = this.loaded?.identity;
      this.loaded = { model, scorer, features: describeFeatures(model.file), identity };
      this.loadedTag = fetchedTag;
      this.failedTag = null;
      this.lastError = null;
      log("info", previous ? "model reloaded" : "model loaded", {
        model: identity,
        previous_model: previous,
        engine: scorer.engine.name,
        trees: model.layout.numTrees,
        load_ms: Math.round((performance.now() - started) * 10) / 10,
      });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.lastError = `loading ${this.source.location} failed: ${message}`;
      this.failedTag = await this.source.currentTag().catch(() => null);
      log("error", this.loaded ? "model reload failed, still serving the previous model" : "model load failed", {
        model: this.source.location,
        serving: this.loaded?.identity ?? null,
        ...errorFields(error),
      });
    }
  }
}

/** The WASM engine, or the JS engine if WebAssembly cannot run here (it gives the same results). */
function createScorer(model: Model): Scorer {
  const preferred: EngineName = process.env.SCORER_ENGINE === "js" ? "js" : "wasm";
  try {
    return new Scorer(model, preferred);
  } catch (error) {
    log("warn", "WASM engine unavailable, using the JS engine", errorFields(error));
    return new Scorer(model, "js");
  }
}

/**
 * Load predictors (notes D.4): one value per adjustment interval in, a forecast of the next
 * interval out. Shared rules, enforced here for every model:
 * - non-finite inputs are stored as 0;
 * - leading zeros are skipped until the first non-zero value (idle time after a deploy),
 *   and `warmUp` re-arms that after feeding a warm-up history;
 * - a forecast is never NaN, infinite or negative: a model that throws or returns a
 *   non-finite value falls back to the last observed value; negatives are clipped to 0.
 */
import {badInput} from '../../errors.js';

export interface LoadPredictor {
  readonly name: string;
  /** Feed the value observed over the interval that just ended. */
  addDataPoint(value: number): void;
  /** Forecast for the next interval (finite, >= 0). */
  predictNext(): number;
  /** Feed a warm-up history (e.g. a bucketed trace), then re-arm leading-zero skipping. */
  warmUp(values: readonly number[]): void;
  /** Values kept (after skipping leading zeros and trimming to the window). */
  readonly history: readonly number[];
}

export interface PredictorOptions {
  /** Most recent values a model fits on (Dynamo `--load-prediction-window-size`). */
  windowSize?: number;
}

export abstract class BasePredictor implements LoadPredictor {
  abstract readonly name: string;
  protected readonly data: number[] = [];
  protected readonly windowSize: number;
  private skipping = true;
  /** Forecasts that fell back to the last value (model failure), for diagnostics. */
  fallbacks = 0;

  constructor(options: PredictorOptions = {}) {
    const w = options.windowSize ?? 50;
    if (!(Number.isInteger(w) && w >= 1)) throw badInput(`prediction window must be an integer >= 1, got ${w}`);
    this.windowSize = w;
  }

  get history(): readonly number[] {
    return this.data;
  }

  addDataPoint(value: number): void {
    const v = Number.isFinite(value) ? value : 0;
    if (this.skipping) {
      if (v === 0) return;
      this.skipping = false;
    }
    this.data.push(v);
    if (this.data.length > this.windowSize) this.data.splice(0, this.data.length - this.windowSize);
    this.observe(v);
  }

  warmUp(values: readonly number[]): void {
    for (const v of values) this.addDataPoint(v);
    this.skipping = true;
  }

  /** Last stored value, or 0 before any. */
  lastValue(): number {
    return this.data.length > 0 ? this.data[this.data.length - 1]! : 0;
  }

  predictNext(): number {
    let forecast: number;
    try {
      forecast = this.forecast();
    } catch {
      forecast = Number.NaN;
    }
    if (!Number.isFinite(forecast)) {
      this.fallbacks += 1;
      forecast = this.lastValue();
    }
    return Math.max(0, forecast);
  }

  /** Hook for recursive models (Kalman) that update per point. */
  protected observe(_value: number): void {}

  /** The model's raw forecast; may throw or return NaN (handled by `predictNext`). */
  protected abstract forecast(): number;
}

/** True when every value equals the first. */
export function isConstant(values: readonly number[]): boolean {
  return values.every((v) => v === values[0]);
}

import {BasePredictor, type PredictorOptions} from './base.js';

export interface KalmanOptions extends PredictorOptions {
  /** Process noise of the level (default 1.0). */
  qLevel?: number;
  /** Process noise of the trend (default 0.1). */
  qTrend?: number;
  /** Measurement noise (default 10.0). */
  r?: number;
}

/**
 * Local linear trend Kalman filter (notes D.4, v2026 `kalman`): state [level, trend],
 * F = [[1,1],[0,1]], H = [1,0], P0 = 1000 I, Q = diag(qLevel, qTrend), R = r. The first value
 * sets level = value, trend = 0. Each later value runs predict (unless a forecast already
 * advanced the filter this interval) then update. The forecast is the predicted level.
 * The 2x2 algebra is written out in closed form.
 */
export class KalmanPredictor extends BasePredictor {
  readonly name = 'kalman';
  private readonly qLevel: number;
  private readonly qTrend: number;
  private readonly r: number;
  private initialized = false;
  private level = 0;
  private trend = 0;
  // Covariance [[p00, p01], [p01, p11]] (symmetric).
  private p00 = 1000;
  private p01 = 0;
  private p11 = 1000;
  private advanced = false;

  constructor(options: KalmanOptions = {}) {
    super(options);
    this.qLevel = Math.max(1e-12, options.qLevel ?? 1.0);
    this.qTrend = Math.max(1e-12, options.qTrend ?? 0.1);
    this.r = Math.max(1e-9, options.r ?? 10.0);
  }

  /** Time update: x = F x, P = F P F' + Q. */
  private predictStep(): void {
    this.level += this.trend;
    const p00 = this.p00 + 2 * this.p01 + this.p11 + this.qLevel;
    const p01 = this.p01 + this.p11;
    const p11 = this.p11 + this.qTrend;
    this.p00 = p00;
    this.p01 = p01;
    this.p11 = p11;
  }

  /** Measurement update with z: K = P H' / (H P H' + R), x += K (z - H x), P = (I - K H) P. */
  private updateStep(z: number): void {
    const s = this.p00 + this.r;
    const k0 = this.p00 / s;
    const k1 = this.p01 / s;
    const innovation = z - this.level;
    this.level += k0 * innovation;
    this.trend += k1 * innovation;
    // Joseph form, as filterpy: P = (I - K H) P (I - K H)' + K R K'.
    const a = this.p00;
    const b = this.p01;
    const c = this.p11;
    const p00 = (1 - k0) * (1 - k0) * a + this.r * k0 * k0;
    const p01 = (1 - k0) * (b - k1 * a) + this.r * k0 * k1;
    const p11 = k1 * k1 * a - 2 * k1 * b + c + this.r * k1 * k1;
    this.p00 = p00;
    this.p01 = p01;
    this.p11 = p11;
  }

  protected override observe(value: number): void {
    if (!this.initialized) {
      this.initialized = true;
      this.level = value;
      this.trend = 0;
      return;
    }
    if (!this.advanced) this.predictStep();
    this.advanced = false;
    this.updateStep(value);
  }

  protected forecast(): number {
    if (!this.initialized) return this.lastValue();
    if (!this.advanced) {
      this.predictStep();
      this.advanced = true;
    }
    return this.level;
  }

  /** Current [level, trend] and covariance, for tests and diagnostics. */
  state(): {level: number; trend: number; p: [[number, number], [number, number]]} {
    return {level: this.level, trend: this.trend, p: [[this.p00, this.p01], [this.p01, this.p11]]};
  }
}

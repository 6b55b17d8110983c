import {describe, expect, it} from 'vitest';
import {BasePredictor, KalmanPredictor, PREDICTOR_NAMES, createPredictor, type PredictorName} from '../../src/planner/predictors/index.js';
import {autoArima, chooseD, kpssLevel, KPSS_CRITICAL_5PCT} from '../../src/planner/predictors/arima.js';
import {detectPeriod, fitProphet} from '../../src/planner/predictors/prophet.js';
import {Rng} from '../../src/random.js';

const n = 40;
const constantSeries = Array.from({length: n}, () => 7);
const linearSeries = Array.from({length: n}, (_, i) => 10 + 3 * i); // next: 130
const seasonal = (i: number) => 100 + 30 * Math.sin((2 * Math.PI * i) / 10);
const seasonalSeries = Array.from({length: n}, (_, i) => seasonal(i)); // next: seasonal(40) = 100
const rng = new Rng(11);
const noisySeries = Array.from({length: n}, () => 50 + 5 * rng.normal()); // mean 50

function forecast(name: PredictorName, values: number[]): number {
  const p = createPredictor(name);
  for (const v of values) p.addDataPoint(v);
  return p.predictNext();
}

const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;

describe('every predictor', () => {
  it.each(PREDICTOR_NAMES)('%s: returns the value of a constant series', (name) => {
    expect(forecast(name, constantSeries)).toBeCloseTo(7, 9);
  });
  it.each(PREDICTOR_NAMES)('%s: skips leading zeros, stores non-finite as 0, never negative', (name) => {
    const p = createPredictor(name);
    for (const v of [0, 0, 0, 130, Number.NaN, 100, 70, 40, 10]) p.addDataPoint(v);
    expect(p.history).toEqual([130, 0, 100, 70, 40, 10]);
    const f = p.predictNext();
    expect(Number.isFinite(f)).toBe(true);
    expect(f).toBeGreaterThanOrEqual(0);
  });
  it.each(PREDICTOR_NAMES)('%s: predicts 0 before any non-zero value and the first value after one', (name) => {
    const p = createPredictor(name);
    expect(p.predictNext()).toBe(0);
    p.addDataPoint(0);
    expect(p.predictNext()).toBe(0);
    p.addDataPoint(12);
    expect(p.predictNext()).toBeCloseTo(12, 9);
  });
  it.each(PREDICTOR_NAMES)('%s: warm-up feeds history and re-arms leading-zero skipping', (name) => {
    const p = createPredictor(name);
    p.warmUp([0, 5, 6, 7]);
    p.addDataPoint(0);
    p.addDataPoint(0);
    expect(p.history).toEqual([5, 6, 7]);
    p.addDataPoint(8);
    p.addDataPoint(0);
    expect(p.history).toEqual([5, 6, 7, 8, 0]);
  });
  it.each(['moving-average', 'arima', 'prophet'] as const)('%s: averages a noisy series (within 6 of its mean 50, noise sd 5)', (name) => {
    const f = forecast(name, noisySeries);
    expect(Math.abs(f - 50)).toBeLessThan(6);
  });
  it.each(['constant', 'kalman'] as const)('%s: follows a noisy series (within 3 noise sd)', (name) => {
    const f = forecast(name, noisySeries);
    expect(Math.abs(f - 50)).toBeLessThan(15);
  });
  it('keeps only the window', () => {
    const p = createPredictor('arima', {windowSize: 3});
    for (const v of [1, 2, 3, 4, 5]) p.addDataPoint(v);
    expect(p.history).toEqual([3, 4, 5]);
  });
  it('falls back to the last value when a model fails', () => {
    class Broken extends BasePredictor {
      readonly name = 'broken';
      calls = 0;
      protected forecast(): number {
        this.calls += 1;
        if (this.calls === 1) throw new Error('fit failed');
        return Number.NaN;
      }
    }
    const p = new Broken();
    p.addDataPoint(3);
    p.addDataPoint(9);
    expect(p.predictNext()).toBe(9);
    expect(p.predictNext()).toBe(9);
    expect(p.fallbacks).toBe(2);
  });
  it('clips a negative forecast to 0 (ARIMA on a falling line)', () => {
    // 130, 100, 70, 40, 10 -> d = 1, next = 10 - 30 = -20 -> 0
    expect(autoArima([130, 100, 70, 40, 10]).forecast).toBeCloseTo(-20, 9);
    expect(forecast('arima', [130, 100, 70, 40, 10])).toBe(0);
  });
});

describe('constant and moving average', () => {
  it('constant = last value', () => {
    expect(forecast('constant', linearSeries)).toBe(127);
    expect(forecast('constant', seasonalSeries)).toBeCloseTo(seasonal(39), 12);
  });
  it('moving average = mean of the last 5', () => {
    expect(forecast('moving-average', linearSeries)).toBe((115 + 118 + 121 + 124 + 127) / 5);
    expect(forecast('moving-average', seasonalSeries)).toBeCloseTo(mean(seasonalSeries.slice(-5)), 12);
    expect(forecast('moving-average', noisySeries)).toBeCloseTo(mean(noisySeries.slice(-5)), 12);
  });
});

describe('ARIMA', () => {
  it('needs 5 points, else last value', () => {
    expect(forecast('arima', [1, 5, 2, 8])).toBe(8);
  });
  it('KPSS: white noise is level-stationary, a random walk and a line are not', () => {
    const r = new Rng(5);
    const noise = Array.from({length: 50}, () => r.normal());
    let s = 0;
    const walk = Array.from({length: 50}, () => (s += r.normal() + 0.5));
    expect(kpssLevel(noise)).toBeLessThan(KPSS_CRITICAL_5PCT);
    expect(kpssLevel(walk)).toBeGreaterThan(KPSS_CRITICAL_5PCT);
    expect(chooseD(noise)).toBe(0);
    expect(chooseD(linearSeries)).toBe(1);
  });
  it('continues a line exactly', () => {
    expect(forecast('arima', linearSeries)).toBeCloseTo(130, 9);
    expect(autoArima(linearSeries).order).toEqual([0, 1, 0]);
  });
  it('continues a cycle (an AR(2) with roots on the unit circle)', () => {
    expect(forecast('arima', seasonalSeries)).toBeCloseTo(100, 3);
  });
  it('recovers an AR(1) coefficient from simulated data', () => {
    const r = new Rng(21);
    const y = [0];
    for (let i = 1; i < 400; i += 1) y.push(20 + 0.7 * (y[i - 1]! - 20) + r.normal());
    const m = autoArima(y, {maxP: 1, maxQ: 0, maxD: 0});
    expect(m.order).toEqual([1, 0, 0]);
    expect(m.fit!.phi[0]).toBeGreaterThan(0.6);
    expect(m.fit!.phi[0]).toBeLessThan(0.8);
    // one-step forecast = c + phi * last
    expect(m.forecast).toBeCloseTo(m.fit!.c + m.fit!.phi[0]! * y[399]!, 9);
  });
});

describe('Kalman local linear trend', () => {
  it('matches the hand-computed filter after two points', () => {
    const k = new KalmanPredictor();
    k.addDataPoint(10);
    k.addDataPoint(20);
    // predict: P = [[2001, 1000], [1000, 1000.1]]; update with R = 10: K = [2001, 1000] / 2011
    // level = 10 + 10 * 2001/2011, trend = 10 * 1000/2011; forecast = level + trend
    expect(k.predictNext()).toBeCloseTo(10 + 30010 / 2011, 10);
    // a second call without new data returns the same cached forecast
    expect(k.predictNext()).toBeCloseTo(10 + 30010 / 2011, 10);
  });
  it('does not advance twice when a forecast was made before the update', () => {
    const a = new KalmanPredictor();
    const b = new KalmanPredictor();
    for (const v of [10, 20, 25]) {
      a.addDataPoint(v);
      b.addDataPoint(v);
      b.predictNext();
    }
    expect(b.predictNext()).toBeCloseTo(a.predictNext(), 12);
  });
  it('tracks a line and lags a cycle', () => {
    expect(forecast('kalman', linearSeries)).toBeCloseTo(130, 1);
    const f = forecast('kalman', seasonalSeries);
    expect(f).toBeGreaterThan(50);
    expect(f).toBeLessThan(150);
  });
});

describe('Prophet-like model', () => {
  it('continues a line exactly', () => {
    expect(forecast('prophet', linearSeries)).toBeCloseTo(130, 6);
  });
  it('detects a 10-interval season and continues it', () => {
    expect(detectPeriod(seasonalSeries)).toBeCloseTo(10, 6);
    expect(forecast('prophet', seasonalSeries)).toBeCloseTo(100, 3);
  });
  it('fits trend plus season', () => {
    const y = Array.from({length: 50}, (_, i) => 20 + 0.5 * i + 8 * Math.sin((2 * Math.PI * i) / 12.5));
    const fit = fitProphet(y);
    expect(fit.period).toBeCloseTo(12.5, 6);
    expect(fit.forecast).toBeCloseTo(20 + 0.5 * 50 + 8 * Math.sin((2 * Math.PI * 50) / 12.5), 2);
  });
  it('adapts to a change of slope (changepoints)', () => {
    const y = Array.from({length: 50}, (_, i) => (i < 25 ? 100 : 100 + 4 * (i - 25)));
    const f = fitProphet(y, {seasonPeriod: 0}).forecast;
    expect(f).toBeGreaterThan(190);
    expect(f).toBeLessThan(210);
  });
  it('finds no season in noise', () => {
    expect(detectPeriod(noisySeries)).toBeNull();
  });
});

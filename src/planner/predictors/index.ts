import type {LoadPredictor} from './base.js';
import {ConstantPredictor, MovingAveragePredictor} from './simple.js';
import {ArimaPredictor} from './arima.js';
import {KalmanPredictor} from './kalman.js';
import {ProphetPredictor} from './prophet.js';

export type {LoadPredictor, PredictorOptions} from './base.js';
export {BasePredictor} from './base.js';
export {ConstantPredictor, MovingAveragePredictor, ArimaPredictor, KalmanPredictor, ProphetPredictor};

export const PREDICTOR_NAMES = ['constant', 'moving-average', 'arima', 'kalman', 'prophet'] as const;
export type PredictorName = (typeof PREDICTOR_NAMES)[number];

export interface PredictorSettings {
  /** Values the window-based models fit on (default 50, Dynamo's). */
  windowSize?: number;
  /** Values averaged by `moving-average` (default 5). */
  averageOver?: number;
  /** Seasonality period for `prophet`, in intervals (undefined = detect, 0 = none). */
  seasonPeriod?: number;
}

export function createPredictor(name: PredictorName, settings: PredictorSettings = {}): LoadPredictor {
  switch (name) {
    case 'constant':
      return new ConstantPredictor(settings);
    case 'moving-average':
      return new MovingAveragePredictor(settings);
    case 'arima':
      return new ArimaPredictor(settings);
    case 'kalman':
      return new KalmanPredictor(settings);
    case 'prophet':
      return new ProphetPredictor(settings);
  }
}

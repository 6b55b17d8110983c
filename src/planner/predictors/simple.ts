import {BasePredictor, type PredictorOptions} from './base.js';
import {badInput} from '../../errors.js';

/** Forecast = last value (Dynamo `constant`). */
export class ConstantPredictor extends BasePredictor {
  readonly name = 'constant';

  protected forecast(): number {
    return this.lastValue();
  }
}

export interface MovingAverageOptions extends PredictorOptions {
  /** Values averaged, most recent first (default 5). */
  averageOver?: number;
}

/** Forecast = mean of the last `averageOver` values. */
export class MovingAveragePredictor extends BasePredictor {
  readonly name = 'moving-average';
  private readonly averageOver: number;

  constructor(options: MovingAverageOptions = {}) {
    super(options);
    const k = options.averageOver ?? 5;
    if (!(Number.isInteger(k) && k >= 1)) throw badInput(`moving-average length must be an integer >= 1, got ${k}`);
    this.averageOver = k;
  }

  protected forecast(): number {
    const tail = this.data.slice(-this.averageOver);
    if (tail.length === 0) return 0;
    return tail.reduce((s, v) => s + v, 0) / tail.length;
  }
}

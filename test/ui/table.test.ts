import {describe, expect, it} from 'vitest';
import {counted} from '../../src/ui/table.js';

describe('counted', () => {
  it('says one thing in the singular, any other count in the plural', () => {
    expect(counted(1, 'window')).toBe('1 window');
    expect(counted(0, 'bad line')).toBe('0 bad lines');
    expect(counted(6, 'interval')).toBe('6 intervals');
  });
});

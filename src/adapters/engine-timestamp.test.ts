import { describe, expect, it } from 'vitest';
import { parseEngineTimestamp } from './engine-timestamp.js';

describe('parseEngineTimestamp', () => {
  it('reads the spellings engines print, zone or none', () => {
    const utc = Date.UTC(2024, 0, 1, 10, 0, 0);
    expect(parseEngineTimestamp('2024-01-01 10:00:00')).toBe(utc);
    expect(parseEngineTimestamp('2024-01-01 10:00:00+00')).toBe(utc);
    expect(parseEngineTimestamp('2024-01-01 11:00:00+01')).toBe(utc);
    expect(parseEngineTimestamp('2024-01-01 11:00:00+01:00')).toBe(utc);
    expect(parseEngineTimestamp('2024-01-01 10:00:00.000 UTC')).toBe(utc);
    expect(parseEngineTimestamp('2024-01-01T10:00:00Z')).toBe(utc);
  });
});

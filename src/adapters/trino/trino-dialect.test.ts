import { describe, expect, it } from 'vitest';
import { trinoDialect } from './trino-dialect.js';

describe('trino dialect', () => {
  it('spells DuckDB type names the Trino way and keeps Trino names and arguments', () => {
    const n = trinoDialect.normalizeType!;
    expect(n('HUGEINT')).toBe('decimal(38, 0)');
    expect(n('TEXT')).toBe('varchar');
    expect(n('VARCHAR(20)')).toBe('VARCHAR(20)');
    expect(n('timestamp')).toBe('timestamp(6)');
    expect(n('TIMESTAMP WITH TIME ZONE')).toBe('timestamp(6) with time zone');
    expect(n('timestamptz')).toBe('timestamp(6) with time zone');
    expect(n('timestamp(3)')).toBe('timestamp(3)');
    expect(n('numeric(12, 2)')).toBe('decimal(12, 2)');
    expect(n('FLOAT')).toBe('real');
    expect(n('int')).toBe('integer');
    expect(n('BLOB')).toBe('varbinary');
    expect(n('decimal(10,2)')).toBe('decimal(10,2)');
  });

  it('writes DOUBLE literals with an exponent so that Trino does not read them as DECIMAL', () => {
    expect(trinoDialect.literal('1.5', 'double')).toBe('1.5e0');
    expect(trinoDialect.literal('2e3', 'double')).toBe('2e3');
    expect(trinoDialect.literal('7', 'integer')).toBe('7');
    expect(trinoDialect.literal(null, 'double')).toBe('cast(null as double)');
  });
});

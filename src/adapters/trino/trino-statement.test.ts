import { describe, expect, it } from 'vitest';
import { parseTrinoJson } from './trino-statement.js';

describe('parseTrinoJson', () => {
  it('keeps integers beyond 2^53 exact as strings and parses everything else as JSON.parse does', () => {
    const page = parseTrinoJson('{"data":[[9007199254740993, 42, 1.5, -12345678901234567890, "9007199254740993", null, true]],"updateCount":3}');
    expect(page).toEqual({ data: [['9007199254740993', 42, 1.5, '-12345678901234567890', '9007199254740993', null, true]], updateCount: 3 });
  });

  it('passes through what is not JSON (an empty body, an error page, an already parsed object)', () => {
    expect(parseTrinoJson('')).toBe('');
    expect(parseTrinoJson('Unauthorized')).toBe('Unauthorized');
    const obj = { a: 1 };
    expect(parseTrinoJson(obj)).toBe(obj);
  });
});

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

describe('statsOfPage', () => {
  it("reads a final page's query stats as StatementStats, with the query id", async () => {
    const { statsOfPage } = await import('./trino-statement.js');
    // A final page as Trino sends it, parsed as the adapter parses it.
    const page = parseTrinoJson(
      '{"id":"20240601_120000_00001_abcde","stats":{"state":"FINISHED","cpuTimeMillis":1234,"wallTimeMillis":2400,"elapsedTimeMillis":900,"processedRows":5000,"processedBytes":80000,"physicalInputBytes":65536,"physicalWrittenBytes":4096,"peakMemoryBytes":1048576}}',
    ) as { id: string; stats: Record<string, unknown> };
    expect(statsOfPage(page.id, page.stats)).toEqual({
      queryId: '20240601_120000_00001_abcde',
      cpuMs: 1234,
      wallMs: 900,
      peakMemoryBytes: 1048576,
      rowsScanned: 5000,
      bytesScanned: 65536,
      bytesWritten: 4096,
    });
  });

  it('leaves out what the server did not send', async () => {
    const { statsOfPage } = await import('./trino-statement.js');
    expect(statsOfPage('q1', { cpuTimeMillis: 5 })).toEqual({ queryId: 'q1', cpuMs: 5, wallMs: undefined, peakMemoryBytes: undefined, rowsScanned: undefined, bytesScanned: undefined, bytesWritten: undefined });
    expect(statsOfPage(undefined, undefined)).toBeUndefined();
  });
});

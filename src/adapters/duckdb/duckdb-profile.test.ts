import { describe, expect, it } from 'vitest';
import { statsOfProfile } from './duckdb-profile.js';

describe("DuckDB's profiler output as statement stats", () => {
  const doc = (queryName: string) =>
    JSON.stringify({ query_name: queryName, cpu_time: 0.25, latency: 0.5, cumulative_rows_scanned: 1000, total_bytes_read: 0, total_bytes_written: 4096, system_peak_buffer_memory: 1_000_000, children: [] });

  it('reads the query root in milliseconds, rows and bytes', () => {
    expect(statsOfProfile(doc('select 1'), 'select 1')).toEqual({ cpuMs: 250, wallMs: 500, rowsScanned: 1000, bytesScanned: 0, bytesWritten: 4096, peakMemoryBytes: 1_000_000 });
  });

  it("ignores another statement's profile and a file cut short", () => {
    expect(statsOfProfile(doc('select 2'), 'select 1')).toBeUndefined();
    expect(statsOfProfile(doc('select 1').slice(0, 20), 'select 1')).toBeUndefined();
  });
});

import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inferType, logicalTypeOf, readSeedCsv } from './read-seed-csv.js';
import { diagnosticsOf, removeWrittenProjects, writeProject } from './test-fixtures.js';

afterAll(removeWrittenProjects);

function read(text: string, delimiter?: string) {
  const dir = writeProject({ 'seeds/s.csv': text });
  return readSeedCsv(join(dir, 'seeds', 's.csv'), 'seeds/s.csv', delimiter);
}

describe('inferType', () => {
  it('infers integer for 32-bit whole numbers, signs included', () => {
    expect(inferType(['1', '-2', '+3', '2147483647'])).toBe('integer');
  });

  it('infers bigint beyond 32 bits', () => {
    expect(inferType(['1', '2147483648'])).toBe('bigint');
    expect(inferType(['-9007199254740993'])).toBe('bigint');
  });

  it('infers bigint up to the 64-bit limit', () => {
    // 19-digit values are valid BIGINTs (max 9223372036854775807).
    expect(inferType(['1000000000000000000'])).toBe('bigint');
    expect(inferType(['9223372036854775807'])).toBe('bigint');
  });

  it('falls back to text for whole numbers beyond 64 bits', () => {
    expect(inferType(['99999999999999999999999'])).toBe('text');
  });

  it('infers double for decimals, exponents, and integers mixed with decimals', () => {
    expect(inferType(['1.5', '.5', '2.', '1e3', '-2.5E-3'])).toBe('double');
    expect(inferType(['1', '2.5'])).toBe('double');
  });

  it('infers boolean case-insensitively', () => {
    expect(inferType(['true', 'FALSE', 'True'])).toBe('boolean');
    expect(inferType(['true', 'yes'])).toBe('text');
  });

  it('infers date and timestamp, and timestamp for a mix of both', () => {
    expect(inferType(['2024-01-31', '1999-12-01'])).toBe('date');
    expect(inferType(['2024-01-31 10:00:00', '2024-01-31T10:00', '2024-01-31T10:00:00.123Z'])).toBe('timestamp');
    expect(inferType(['2024-01-31', '2024-02-01 08:30:00'])).toBe('timestamp');
  });

  it('infers text for anything else, including mixed numbers and words', () => {
    expect(inferType(['1', 'abc'])).toBe('text');
    expect(inferType(['Home & Kitchen'])).toBe('text');
    expect(inferType(['1 000'])).toBe('text');
  });

  it('treats empty strings as NULL: ignored for inference, text when nothing else', () => {
    expect(inferType(['', '1', ''])).toBe('integer');
    expect(inferType(['', '2024-01-01'])).toBe('date');
    expect(inferType(['', ''])).toBe('text');
    expect(inferType([])).toBe('text');
  });
});

describe('logicalTypeOf', () => {
  it('maps engine type overrides to logical types', () => {
    expect(logicalTypeOf('INTEGER')).toBe('integer');
    expect(logicalTypeOf('bigint')).toBe('bigint');
    expect(logicalTypeOf('decimal(10,2)')).toBe('double');
    expect(logicalTypeOf('BOOLEAN')).toBe('boolean');
    expect(logicalTypeOf('date')).toBe('date');
    expect(logicalTypeOf('timestamp with time zone')).toBe('timestamp');
    expect(logicalTypeOf('varchar')).toBe('text');
  });
});

describe('readSeedCsv', () => {
  it('reads the header, rows and a type per column', () => {
    const table = read('id,name,price,active,day\n1,Shirt,9.99,true,2024-01-01\n2,"Smith, John",,false,\n');
    expect(table.header).toEqual(['id', 'name', 'price', 'active', 'day']);
    expect(table.rows).toEqual([
      ['1', 'Shirt', '9.99', 'true', '2024-01-01'],
      ['2', 'Smith, John', '', 'false', ''],
    ]);
    expect(table.types).toEqual(['integer', 'text', 'double', 'boolean', 'date']);
  });

  it('strips a UTF-8 byte order mark from the first header', () => {
    expect(read('\uFEFFid\n1\n').header).toEqual(['id']);
  });

  it('honours another delimiter', () => {
    const table = read('a;b\n1;x\n', ';');
    expect(table.header).toEqual(['a', 'b']);
    expect(table.types).toEqual(['integer', 'text']);
  });

  it('reads a header-only file as no rows, every column text', () => {
    const table = read('a,b\n');
    expect(table.rows).toEqual([]);
    expect(table.types).toEqual(['text', 'text']);
  });

  it('reports a ragged row as DPF400 with the field counts and its line number', () => {
    const [d, ...rest] = diagnosticsOf(() => read('a,b,c\n1,2,3\n4,5\n6,7,8\n'));
    expect(rest).toEqual([]);
    expect(d!.code).toBe('DPF400');
    expect(d!.message).toBe('This row has 2 fields, but the header has 3.');
    expect(d!.location).toEqual({ file: 'seeds/s.csv', line: 3 });
  });

  it('reports a row with too many fields as DPF400 on its line', () => {
    const [d] = diagnosticsOf(() => read('a,b\n1,2\n3,4\n5,6,7\n'));
    expect(d!.code).toBe('DPF400');
    expect(d!.message).toContain('has 3 fields');
    expect(d!.location?.line).toBe(4);
  });

  it('counts lines inside quoted fields when locating a ragged row', () => {
    const [d] = diagnosticsOf(() => read('a,b\n1,"two\nlines"\n3\n'));
    expect(d!.code).toBe('DPF400');
    expect(d!.location?.line).toBe(4);
  });

  it('counts skipped blank lines and CRLF line endings when locating a ragged row', () => {
    expect(diagnosticsOf(() => read('a,b\n\n1,2\n\n3\n'))[0]!.location?.line).toBe(5);
    expect(diagnosticsOf(() => read('a,b\r\n1,2\r\n3\r\n'))[0]!.location?.line).toBe(3);
  });

  it('reports an empty file as DPF401', () => {
    for (const text of ['', '\n\n', '\uFEFF']) {
      const [d] = diagnosticsOf(() => read(text));
      expect(d!.code).toBe('DPF401');
      expect(d!.message).toContain('empty');
      expect(d!.location).toEqual({ file: 'seeds/s.csv', line: 1 });
    }
  });

  it('reports a header column with no name as DPF401', () => {
    const [d] = diagnosticsOf(() => read('a,,c\n1,2,3\n'));
    expect(d!.code).toBe('DPF401');
    expect(d!.message).toContain('column 2');
  });

  it('reports an unclosed quote as DPF401', () => {
    const [d] = diagnosticsOf(() => read('a,b\n1,"oops\n'));
    expect(d!.code).toBe('DPF401');
  });
});

import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inferType, logicalTypeOf, readSeedCsv, scanSeedCsv } from './read-seed-csv.js';
import { diagnosticsOf, removeWrittenProjects, writeProject } from '../compiler/test-fixtures.js';

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

describe('scanSeedCsv (the compiler\'s one pass, keeping no rows)', () => {
  const shapeOf = (text: string, delimiter?: string) => {
    const { header, types, rows } = read(text, delimiter);
    return { header, types, rowCount: rows.length };
  };

  it('gives the header, types and row count that parsing every row gives', () => {
    const texts = [
      'id,name,price,active,day\n1,Shirt,9.99,true,2024-01-01\n2,"Smith, John",,false,\n',
      '\uFEFFid,v\r\n1,2147483648\r\n\r\n-3,+4\r\n',
      'a;b\n1;"x;y"\n', // with ';' below
      'a,b,c\n"say ""hi""","two\nlines",2024-01-01 10:00\n"""",,2024-01-02\n',
      'only\n\n\ntrue\nFALSE\n\n',
      'a,b\n1,\n,2', // no final line end, empty fields
      'a,b\n1,2,', // a trailing delimiter is one more (empty) field: ragged, as csv-parse says
      'n\n99999999999999999999999\n1\n',
      'h1,h2\n',
    ];
    for (const text of texts) {
      const delimiter = text.startsWith('a;') ? ';' : undefined;
      let expected: unknown;
      try {
        expected = shapeOf(text, delimiter);
      } catch (err) {
        expected = (err as Error).message;
      }
      let got: unknown;
      try {
        got = scanSeedCsv(text, 'seeds/s.csv', delimiter);
      } catch (err) {
        got = (err as Error).message;
      }
      expect(got, JSON.stringify(text)).toEqual(expected);
    }
  });

  it('agrees with parsing every row on 300 random files of every type, quoting and line ending', () => {
    let state = 7;
    const random = (n: number) => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state % n;
    };
    const values = ['', '1', '-20', '+3', '2147483648', '1.5', '.5', '1e3', 'true', 'False', '2024-01-02', '2024-01-02 10:00:00', '2024-01-02T10:00Z', 'text', 'a b'];
    const quoted = ['"a, b"', '"say ""hi"""', '"two\nlines"', '""', '"1"', '"ünï ✓"'];
    for (let k = 0; k < 300; k++) {
      const width = 1 + random(4);
      const newline = random(2) === 0 ? '\n' : '\r\n';
      const lines = [Array.from({ length: width }, (_, c) => `c${c}`).join(',')];
      // Each column draws from a few values, so that some columns keep one type.
      const pools = Array.from({ length: width }, () => Array.from({ length: 1 + random(3) }, () => (random(5) === 0 ? quoted[random(quoted.length)]! : values[random(values.length)]!)));
      for (let r = random(6); r > 0; r--) {
        lines.push(pools.map((pool) => pool[random(pool.length)]!).join(','));
        if (random(8) === 0) lines.push('');
      }
      const text = lines.join(newline) + (random(3) === 0 ? '' : newline);
      expect(scanSeedCsv(text, 'seeds/s.csv'), JSON.stringify(text)).toEqual(shapeOf(text));
    }
  });

  it('reports what parsing reports: ragged rows, empty files, unnamed columns, unclosed quotes', () => {
    const cases: [string, string, number | undefined][] = [
      ['a,b\n1,2\n3\n', 'DPF400', 3],
      ['a,b\n1,"two\nlines"\n3\n', 'DPF400', 4],
      ['\n\n', 'DPF401', 1],
      ['a,,c\n1,2,3\n', 'DPF401', 1],
      ['a,b\n1,"oops\n', 'DPF401', undefined],
      ['a,b\n1,x"y\n', 'DPF401', undefined],
    ];
    for (const [text, code, line] of cases) {
      const [scanned] = diagnosticsOf(() => scanSeedCsv(text, 'seeds/s.csv'));
      const [parsed] = diagnosticsOf(() => read(text));
      expect(scanned!.code, JSON.stringify(text)).toBe(code);
      expect(scanned).toEqual(parsed);
      if (line !== undefined) expect(scanned!.location?.line).toBe(line);
    }
  });
});

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DpfError } from '../errors/dpf-error.js';
import { importedFiles, loadTransform, placeOfRef } from './load-transform.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'dpf-transforms-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const MODEL = `import { defineTransform } from 'dpf';
import { upper } from '../lib/text.js';
import type { Row } from '../lib/types';
import { z } from 'some-package';

export default defineTransform({
  refs: ['orders', { source: ['raw', 'people'] }],
  columns: [{ name: 'id', type: 'integer' }],
  *transform() { yield [[upper('x')]]; },
});
`;

describe('TypeScript models', () => {
  it('lists the project files a model imports, followed through, and not packages', () => {
    const dir = project({
      'models/m.ts': MODEL,
      'lib/text.ts': "export { upper } from './upper';\n",
      'lib/upper.ts': 'export const upper = (s: string) => s.toUpperCase();\n',
      'lib/types.ts': 'export type Row = Record<string, unknown>;\n',
    });
    expect(importedFiles(dir, 'models/m.ts').map((f) => f.path)).toEqual(['lib/text.ts', 'lib/types.ts', 'lib/upper.ts']);
  });

  it('finds where a ref is written', () => {
    expect(placeOfRef(MODEL, 'orders')).toEqual({ line: 7, column: 10 });
    expect(placeOfRef(MODEL, { source: ['raw', 'people'] })).toEqual({ line: 7, column: 20 });
  });

  it('loads a model, and says what is wrong with one that is not', async () => {
    const dir = project({
      'models/ok.ts': "import { defineTransform } from 'dpf';\nexport default defineTransform({ refs: [], columns: [{ name: 'a', type: 'text' }], transform: () => [] });\n",
      'models/twice.ts': "import { defineTransform } from 'dpf';\nexport default defineTransform({ refs: [], columns: [{ name: 'a', type: 'text' }, { name: 'A', type: 'text' }], transform: () => [] });\n",
      'models/badref.ts': "import { defineTransform } from 'dpf';\nexport default defineTransform({ refs: [{ source: 'raw' }], columns: [{ name: 'a', type: 'text' }], transform: () => [] });\n",
      'models/source.ts': "import { defineSource } from 'dpf';\nexport default defineSource({ config: {}, extract: () => [] });\n",
    });
    expect((await loadTransform(dir, 'models/ok.ts', 'ok')).kind).toBe('transform');
    const problem = async (name: string) => {
      const err = await loadTransform(dir, `models/${name}.ts`, name).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DpfError);
      return (err as DpfError).first;
    };
    expect((await problem('twice')).message).toContain('declares the column "a" twice');
    expect((await problem('badref')).message).toContain('its ref {"source":"raw"} is neither');
    expect(await problem('source')).toMatchObject({ code: 'DPF821', location: { file: 'models/source.ts', line: 1 } });
  });
});

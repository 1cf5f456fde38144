import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DpfError } from '../errors/dpf-error.js';
import { findPlugins, loadSourcePlugin } from './load-plugin.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A project folder outside this repository (no node_modules/dpf to resolve 'dpf' from). */
function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'dpf-plugins-'));
  dirs.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const NUMBERS = `import { defineSource, type RowBatch } from 'dpf';
import { label } from './helpers/label';

export default defineSource<{ count: number }>({
  description: 'The numbers 1 to count',
  config: { type: 'object', properties: { count: { type: 'integer' } }, required: ['count'] },
  columns: [{ name: 'id', type: 'integer' }, { name: 'label', type: 'text' }],
  async *extract(config): AsyncIterable<RowBatch> {
    for (let i = 1; i <= config.count; i++) yield [[i, label(i)]];
  },
});
`;

const loadError = async (dir: string, name: string) => {
  const err = await loadSourcePlugin(dir, findPlugins(dir).get(name)!).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DpfError);
  return (err as DpfError).first;
};

describe('plugins', () => {
  it('finds the top-level plugin files and loads a TypeScript source plugin that imports dpf from a project without dpf installed', async () => {
    const dir = project({
      'plugins/numbers.ts': NUMBERS,
      'plugins/helpers/label.ts': 'export const label = (i: number): string => `n${i}`;\n',
      'plugins/plain.js': "export default { kind: 'source', config: { type: 'object' }, extract() { return [[{ x: 1 }]]; } };\n",
      'plugins/notes.md': '# not a plugin\n',
    });
    const found = findPlugins(dir);
    expect([...found.keys()].sort()).toEqual(['numbers', 'plain']);
    expect(found.get('numbers')!.path).toBe(join('plugins', 'numbers.ts'));
    const plugin = await loadSourcePlugin(dir, found.get('numbers')!);
    expect(plugin.kind).toBe('source');
    expect(plugin.columns).toEqual([{ name: 'id', type: 'integer' }, { name: 'label', type: 'text' }]);
    const batches: unknown[] = [];
    for await (const batch of plugin.extract({ count: 3 }, { signal: new AbortController().signal, source: { name: 'raw', table: 'numbers' }, projectDir: dir, env: process.env, fetch })) batches.push(batch);
    expect(batches).toEqual([[[1, 'n1']], [[2, 'n2']], [[3, 'n3']]]);
    // A plain JavaScript object of the right shape is a plugin too (no class to match).
    expect((await loadSourcePlugin(dir, found.get('plain')!)).kind).toBe('source');
  });

  it('says which file does not load (DPF801), and what a file that loads lacks (DPF802)', async () => {
    const dir = project({
      'plugins/broken.ts': "import { defineSource } from 'dpf';\nexport default defineSource({ config: { type: 'object' }, extract( {\n",
      'plugins/missing_import.ts': "import { nothing } from './no-such-file';\nexport default nothing;\n",
      'plugins/empty.ts': 'export default {};\n',
      'plugins/no_extract.ts': "export default { kind: 'source', config: { type: 'object' } };\n",
      'plugins/reserved.ts': "import { defineSource } from 'dpf';\nexport default defineSource({ config: { type: 'object', properties: { write: { type: 'string' } } }, extract: () => [] });\n",
      'plugins/bad_column.ts': "import { defineSource } from 'dpf';\nexport default defineSource({ config: { type: 'object' }, columns: [{ name: 'id', type: 'int64' }] as never, extract: () => [] });\n",
    });
    const broken = await loadError(dir, 'broken');
    expect(broken.code).toBe('DPF801');
    expect(broken.location?.file).toBe(join('plugins', 'broken.ts'));
    expect(broken.message).toContain('"broken" could not be loaded');
    expect(broken.message).not.toContain(dir);
    expect((await loadError(dir, 'missing_import')).code).toBe('DPF801');
    expect(await loadError(dir, 'empty')).toMatchObject({ code: 'DPF802', message: expect.stringContaining('is not a plugin (kind undefined): export default defineSource({...}) or defineSink') });
    expect(await loadError(dir, 'no_extract')).toMatchObject({ code: 'DPF802', message: expect.stringContaining('no extract(config, ctx) function') });
    expect(await loadError(dir, 'reserved')).toMatchObject({ code: 'DPF802', message: expect.stringContaining('names write') });
    expect(await loadError(dir, 'bad_column')).toMatchObject({ code: 'DPF802', message: expect.stringContaining('"id" needs a name and a type') });
  });

  it('refuses two plugin files of one name (DPF104)', () => {
    const dir = project({ 'plugins/a.ts': NUMBERS, 'plugins/a.js': 'export default {};\n' });
    const err = (() => {
      try {
        findPlugins(dir);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(DpfError);
    expect((err as DpfError).first.code).toBe('DPF104');
  });
});

/**
 * `extract:` on a source table, as the compiler checks it against the plugin it names
 * (docs/plugins.md): the manifest holds the checked block; a wrong name, key or value is an
 * error at its line of the YAML, as in every other dpf file. Running extracts is the next step.
 */
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dpf, makeProject, tempDir } from './helpers/run-dpf.js';

const NUMBERS = `import { defineSource } from 'dpf';

export default defineSource<{ count: number; prefix?: string }>({
  config: { type: 'object', properties: { count: { type: 'integer', minimum: 0 }, prefix: { type: 'string' } }, required: ['count'] },
  columns: (config) => [{ name: 'id', type: 'integer' }, ...(config.prefix ? [{ name: 'label', type: 'text' as const }] : [])],
  async *extract(config) {
    for (let i = 1; i <= config.count; i++) yield [[i]];
  },
});
`;

const sources = (extract: string, more = '') => `sources:\n  - name: raw\n    tables:\n      - name: numbers\n${more}        extract:\n${extract}`;

describe('extract: on a source table', () => {
  it('is checked against its plugin and kept in the manifest with the columns the plugin declares', async () => {
    const dir = makeProject({
      'plugins/numbers.ts': NUMBERS,
      'models/sources.yml': sources('          plugin: numbers\n          count: 5\n          prefix: n\n          timeout_seconds: 10\n'),
      'models/total.sql': 'select sum(id) as total from {{source "raw" "numbers"}}\n',
    });
    const compiled = await dpf(['compile'], { cwd: dir });
    expect(compiled.code, compiled.output).toBe(0);
    const manifest = JSON.parse(readFileSync(join(dir, 'target/manifest.json'), 'utf8')) as { nodes: Record<string, { extract?: unknown }> };
    expect(manifest.nodes['source.proj.raw.numbers']!.extract).toEqual({
      plugin: 'numbers',
      pluginPath: join('plugins', 'numbers.ts'),
      pluginChecksum: expect.stringMatching(/^[0-9a-f]{64}$/),
      config: { count: 5, prefix: 'n' },
      write: 'replace',
      onBadRow: 'fail',
      timeoutSeconds: 10,
      columns: [{ name: 'id', type: 'integer' }, { name: 'label', type: 'text' }],
      location: { file: join('models', 'sources.yml'), line: 6, column: 11 },
    });
  });

  it('reports a plugin that does not exist, a key the plugin does not know and a value it does not take, each at its line', async () => {
    const dir = makeProject({
      'plugins/numbers.ts': NUMBERS,
      'models/a.yml': sources('          plugin: numbrs\n          count: 5\n'),
      'models/b.yml': 'sources:\n  - name: raw_b\n    tables:\n      - name: numbers\n        extract:\n          plugin: numbers\n          cuont: 5\n',
      'models/c.yml': 'sources:\n  - name: raw_c\n    tables:\n      - name: numbers\n        extract:\n          plugin: numbers\n          count: five\n',
      'models/d.yml': "sources:\n  - name: raw_d\n    tables:\n      - name: numbers\n        external_location: 'data/*.csv'\n        extract:\n          plugin: numbers\n          count: 1\n",
    });
    const run = await dpf(['compile'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.output).toMatch(/DPF800[^\n]*\n?[^\n]*models\/a\.yml:6/);
    expect(run.output).toContain('No plugin is named "numbrs". Did you mean "numbers"?');
    expect(run.output).toMatch(/DPF102[^]*models\/b\.yml:7/);
    expect(run.output).toContain('Unknown key "cuont" in extract: of source raw_b.numbers. Did you mean "count"?');
    expect(run.output).toMatch(/DPF103[^]*models\/c\.yml:7/);
    expect(run.output).toContain('Invalid value at extract: of source raw_c.numbers (count): must be integer');
    expect(run.output).toMatch(/DPF107[^]*models\/d\.yml:7/);
    expect(run.output).toContain('cannot go with external_location');
    expect(run.output).not.toMatch(/^\s+at /m);
  });

  it('reports a plugin that does not load once, at its file, however many tables use it', async () => {
    const dir = makeProject({
      'plugins/broken.ts': 'export default {\n',
      'models/sources.yml': 'sources:\n  - name: raw\n    tables:\n      - name: one\n        extract: { plugin: broken }\n      - name: two\n        extract: { plugin: broken }\n',
    });
    const run = await dpf(['compile'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.output.match(/DPF801/g)).toHaveLength(1);
    expect(run.output).toContain('plugins/broken.ts');
  });

  it('state:modified sees an edited extract block, an edited plugin file and an edited export entry', async () => {
    const sink = "import { defineSink } from 'dpf';\nexport default defineSink({ config: { type: 'object', properties: { path: { type: 'string' } } }, async write() {} });\n";
    const dir = makeProject({
      'plugins/numbers.ts': NUMBERS,
      'plugins/out.ts': sink,
      'models/sources.yml': sources('          plugin: numbers\n          count: 5\n'),
      'models/total.sql': 'select sum(id) as total from {{source "raw" "numbers"}}\n',
      'models/total.yml': 'models:\n  - name: total\n    exports:\n      - plugin: out\n        path: a.csv\n',
    });
    expect((await dpf(['compile'], { cwd: dir })).code).toBe(0);
    const state = tempDir();
    cpSync(join(dir, 'target/manifest.json'), join(state, 'manifest.json'));
    const modified = async (select = 'state:modified') => (await dpf(['ls', '--output', 'name', '--select', select, '--state', state], { cwd: dir })).stdout.split('\n').filter(Boolean).sort();
    expect(await modified()).toEqual([]);

    writeFileSync(join(dir, 'models/sources.yml'), sources('          plugin: numbers\n          count: 6\n'));
    // The source's monitor comes with it, as its tests would.
    expect(await modified('state:modified.configs')).toEqual(['monitor_raw_numbers', 'source:raw.numbers']);
    writeFileSync(join(dir, 'models/sources.yml'), sources('          plugin: numbers\n          count: 5\n'));
    writeFileSync(join(dir, 'plugins/numbers.ts'), NUMBERS.replace('yield [[i]]', 'yield [[i * 2]]'));
    expect(await modified('state:modified.body')).toEqual(['monitor_raw_numbers', 'source:raw.numbers']);
    writeFileSync(join(dir, 'plugins/numbers.ts'), NUMBERS);
    writeFileSync(join(dir, 'models/total.yml'), 'models:\n  - name: total\n    exports:\n      - plugin: out\n        path: b.csv\n');
    expect(await modified()).toEqual(['total_out']);
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import { loadProject } from './load-project.js';
import { diagnosticsOf, removeWrittenProjects, writeProject } from './test-fixtures.js';

afterAll(removeWrittenProjects);

describe('loadProject', () => {
  it('finds models, seeds and YAML files with their folders, in path order', () => {
    const files = loadProject(
      writeProject({
        'models/marts/finance/revenue.sql': 'select 1\n',
        'models/a.sql': 'select 2\n',
        'models/schema.yml': 'version: 2\nmodels:\n  - name: a\n',
        'models/notes.txt': 'ignored',
        'seeds/codes.csv': 'code\nA\n',
      }),
    );
    expect(files.config.name).toBe('shop');
    expect(files.models.map((m) => [m.path, m.name, m.folders])).toEqual([
      ['models/a.sql', 'a', []],
      ['models/marts/finance/revenue.sql', 'revenue', ['marts', 'finance']],
    ]);
    expect(files.models[0]!.text).toBe('select 2\n');
    expect(files.seeds.map((s) => s.path)).toEqual(['seeds/codes.csv']);
    expect(files.properties.map((p) => p.path)).toEqual(['models/schema.yml']);
  });

  it('reports a missing dpf_project.yml as DPF100', () => {
    const dir = writeProject({ 'dpf_project.yml': 'name: shop\n' });
    const [d] = diagnosticsOf(() => loadProject(`${dir}/nowhere`));
    expect(d!.code).toBe('DPF100');
  });
});

describe('YAML errors', () => {
  it('reports an unknown key under a model as DPF102, naming the key, file and line, with a suggestion', () => {
    const dir = writeProject({
      'models/a.sql': 'select 1\n',
      'models/schema.yml': 'version: 2\nmodels:\n  - name: a\n    descriptoin: The A model.\n',
    });
    const diagnostics = diagnosticsOf(() => loadProject(dir));
    expect(diagnostics).toHaveLength(1);
    const d = diagnostics[0]!;
    expect(d.code).toBe('DPF102');
    expect(d.message).toContain('"descriptoin"');
    expect(d.message).toMatch(/in models\[(a|0)\]/);
    expect(d.message).toContain('Did you mean "description"?');
    expect(d.hint).toContain('description');
    expect(d.location).toEqual({ file: 'models/schema.yml', line: 4, column: 5 });
  });

  it('reports an unknown key in dpf_project.yml as DPF102 with its line', () => {
    const dir = writeProject({ 'dpf_project.yml': 'name: shop\nmodel-path: [models]\n' });
    const [d] = diagnosticsOf(() => loadProject(dir));
    expect(d!.code).toBe('DPF102');
    expect(d!.message).toContain('"model-path"');
    expect(d!.message).toContain('Did you mean "model-paths"?');
    expect(d!.location).toMatchObject({ file: 'dpf_project.yml', line: 2 });
  });

  it('reports an invalid enum value as DPF103 with the allowed values', () => {
    const dir = writeProject({
      'models/a.sql': 'select 1\n',
      'models/schema.yml': 'models:\n  - name: a\n    config:\n      materialized: tabel\n',
    });
    const [d] = diagnosticsOf(() => loadProject(dir));
    expect(d!.code).toBe('DPF103');
    expect(d!.message).toContain('"table"');
    expect(d!.location).toMatchObject({ file: 'models/schema.yml', line: 4 });
  });

  it('reports a YAML syntax error as DPF101 with its line', () => {
    const dir = writeProject({
      'models/a.sql': 'select 1\n',
      'models/schema.yml': 'version: 2\nmodels:\n  - name: a\n    description: a: b\n',
    });
    const [d] = diagnosticsOf(() => loadProject(dir));
    expect(d!.code).toBe('DPF101');
    expect(d!.location).toMatchObject({ file: 'models/schema.yml', line: 4 });
  });

  it('reports a duplicate key as DPF101 at the second occurrence', () => {
    const dir = writeProject({ 'dpf_project.yml': 'name: shop\nversion: "1"\nname: other\n' });
    const [d] = diagnosticsOf(() => loadProject(dir));
    expect(d!.code).toBe('DPF101');
    expect(d!.location).toMatchObject({ file: 'dpf_project.yml', line: 3 });
  });

  it('reports problems in several YAML files at once', () => {
    const dir = writeProject({
      'models/a.yml': 'models:\n  - name: a\n    colums: []\n',
      'models/b.yml': 'sources:\n  - name: s\n    tables: [{name: t, identifer: x}]\n',
    });
    const diagnostics = diagnosticsOf(() => loadProject(dir));
    expect(diagnostics.map((d) => [d.code, d.location?.file])).toEqual([
      ['DPF102', 'models/a.yml'],
      ['DPF102', 'models/b.yml'],
    ]);
    expect(diagnostics[1]!.message).toContain('Did you mean "identifier"?');
  });
});

/**
 * `enabled:` as an expression over vars and the target, decided when the project compiles
 * (docs/pipelines.md#enabled): the node is in the project or not, for `dpf ls`, builds and the
 * manifest alike; a broken expression is an error at its line.
 */
import { describe, expect, it } from 'vitest';
import { dpf, makeProject } from './helpers/run-dpf.js';

const PROFILES = 'proj:\n  target: dev\n  outputs:\n    dev: { type: duckdb, path: target/dev.duckdb, schema: main, threads: 2 }\n    prod: { type: duckdb, path: target/prod.duckdb, schema: main, threads: 2 }\n';

describe('enabled: an expression over vars and the target', () => {
  it('keeps a model, a seed and a folder in or out of the project by target and vars', async () => {
    const dir = makeProject(
      {
        'profiles.yml': PROFILES,
        'models/prod_only.sql': "{{config enabled=\"target.name == 'prod'\"}}\nselect 1 as n\n",
        'models/always.sql': 'select 1 as n\n',
        'models/experiments/trial.sql': 'select 2 as n\n',
        'seeds/extra.csv': 'id\n1\n',
        'seeds/extra.yml': "seeds:\n  - name: extra\n    config:\n      enabled: \"var('with_extra', false)\"\n",
      },
      "name: proj\nmonitors: off\nmodels:\n  proj:\n    experiments:\n      +enabled: \"target.name in ['dev', 'ci']\"\n",
    );
    const names = async (...args: string[]) => {
      const run = await dpf(['ls', '--output', 'name', ...args], { cwd: dir });
      expect(run.code, run.output).toBe(0);
      return run.stdout.split('\n').filter(Boolean).sort();
    };
    expect(await names()).toEqual(['always', 'trial']);
    expect(await names('--target', 'prod')).toEqual(['always', 'prod_only']);
    expect(await names('--vars', '{with_extra: true}')).toEqual(['always', 'extra', 'trial']);
    const built = await dpf(['build', '--target', 'prod'], { cwd: dir });
    expect(built.code, built.output).toBe(0);
    expect(built.stdout).toMatch(/OK +view +main\.prod_only/);
    expect(built.stdout).not.toMatch(/trial/);
  });

  it('reports a broken expression at its line, with what is wrong', async () => {
    const dir = makeProject({
      'profiles.yml': PROFILES,
      'models/a.sql': "{{config enabled=\"target.nme == 'prod'\"}}\nselect 1 as n\n",
      'models/b.sql': 'select 1 as n\n',
      'models/b.yml': "models:\n  - name: b\n    config:\n      enabled: \"var('feature')\"\n",
    });
    const run = await dpf(['compile'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.output).toMatch(/models[/\\]a\.sql:1[\s\S]*names target\.nme, which the target has not/);
    expect(run.output).toMatch(/models[/\\]b\.yml:4[\s\S]*var\('feature'\), which is not set/);
    expect(run.output).not.toMatch(/\n\s+at /);
  });
});

import { describe, expect, it } from 'vitest';
import { analyzeTemplate, type AnalyzeOptions } from './analyze-template.js';

const FILE = 'models/m.sql';

function analyze(text: string, options: Partial<AnalyzeOptions> = {}) {
  return analyzeTemplate(text, {
    file: FILE,
    partials: new Set(['cents_to_dollars']),
    lookupVar: (name) => ({ mat: 'table', n: 3 })[name],
    ...options,
  });
}

function codes(text: string): string[] {
  return analyze(text).diagnostics.map((d) => d.code);
}

describe('analyzeTemplate: what a model depends on', () => {
  it('finds refs and sources with 1-based line and column', () => {
    const result = analyze('select *\nfrom {{ref "stg_orders"}} o\n  join {{source "shop" "customers"}} c using (id)\n');
    expect(result.diagnostics).toEqual([]);
    expect(result.refs).toEqual([{ name: 'stg_orders', location: { file: FILE, line: 2, column: 6 } }]);
    expect(result.sources).toEqual([{ source: 'shop', table: 'customers', location: { file: FILE, line: 3, column: 8 } }]);
    expect(result.ast?.type).toBe('Program');
  });

  it('finds refs inside blocks and in every branch', () => {
    const result = analyze('{{#if (is_incremental)}}select * from {{ref "a"}}{{else}}select * from {{ref "b"}}{{/if}}\n');
    expect(result.diagnostics).toEqual([]);
    expect(result.refs.map((r) => r.name)).toEqual(['a', 'b']);
  });

  it('reads inline config with literal values and their locations', () => {
    const result = analyze('-- header\n{{config materialized="table" tags="a,b" enabled=true  batch=5}}\nselect 1\n');
    expect(result.diagnostics).toEqual([]);
    expect(Object.fromEntries(Object.entries(result.config).map(([k, v]) => [k, v.value]))).toEqual({
      materialized: 'table',
      tags: 'a,b',
      enabled: true,
      batch: 5,
    });
    expect(result.config.materialized!.location).toEqual({ file: FILE, line: 2, column: 10 });
    expect(result.config.tags!.location).toMatchObject({ line: 2, column: 31 });
  });

  it('resolves (var "x") in config at parse time, falling back to the default', () => {
    const result = analyze('{{config materialized=(var "mat") alias=(var "missing" "fallback")}}select 1');
    expect(result.diagnostics).toEqual([]);
    expect(result.config.materialized!.value).toBe('table');
    expect(result.config.alias!.value).toBe('fallback');
    expect(result.vars.map((v) => [v.name, v.hasDefault])).toEqual([
      ['mat', false],
      ['missing', true],
    ]);
  });

  it('records var calls with and without defaults, and partials', () => {
    const result = analyze("select {{var \"a\"}}, {{var \"b\" 'x'}}, {{> cents_to_dollars column='amount'}}\n");
    expect(result.diagnostics).toEqual([]);
    expect(result.vars).toEqual([
      { name: 'a', hasDefault: false, location: { file: FILE, line: 1, column: 8 } },
      { name: 'b', hasDefault: true, location: { file: FILE, line: 1, column: 21 } },
    ]);
    expect(result.partials).toEqual(['cents_to_dollars']);
  });
});

describe('analyzeTemplate: diagnostics', () => {
  it('reports an unknown helper as DPF201 with a suggestion and its line', () => {
    const [d, ...rest] = analyze('select *\n\nfrom {{reff "x"}}\n').diagnostics;
    expect(rest).toEqual([]);
    expect(d!.code).toBe('DPF201');
    expect(d!.message).toContain('"reff"');
    expect(d!.message).toContain('Did you mean "ref"?');
    expect(d!.location).toEqual({ file: FILE, line: 3, column: 6 });
  });

  it('reports an unknown helper inside a subexpression and an unknown block helper', () => {
    expect(codes('{{#if (is_incrementl)}}x{{/if}}')).toEqual(['DPF201']);
    const [d] = analyze('{{#eachh (var "n")}}x{{/eachh}}').diagnostics;
    expect(d!.code).toBe('DPF201');
    expect(d!.message).toContain('Did you mean "each"?');
  });

  it('reports {{env}} in a model as DPF208', () => {
    const [d] = analyze('select 1\nwhere key = \'{{env "API_KEY"}}\'\n').diagnostics;
    expect(d!.code).toBe('DPF208');
    expect(d!.location).toMatchObject({ file: FILE, line: 2 });
  });

  it('reports a non-literal ref argument as DPF202 with the usage', () => {
    const [d] = analyze('select * from {{ref model_name}}').diagnostics;
    expect(d!.code).toBe('DPF202');
    expect(d!.message).toContain('{{ref}}');
    expect(d!.hint).toContain('{{ref "model_name"}}');
    expect(analyze('select * from {{ref model_name}}').refs).toEqual([]);
  });

  it('reports wrong argument counts for ref, source and var as DPF202', () => {
    expect(codes('{{ref}}')).toEqual(['DPF202']);
    expect(codes('{{ref "a" "b"}}')).toEqual(['DPF202']);
    expect(codes('{{source "only_one"}}')).toEqual(['DPF202']);
    expect(codes('{{var}}')).toEqual(['DPF202']);
  });

  it('reports {{config}} with positional arguments, non-literal values or inside another helper as DPF202', () => {
    expect(codes('{{config "table"}}')).toEqual(['DPF202']);
    expect(codes('{{config materialized=some_path}}')).toEqual(['DPF202']);
    expect(codes('{{#if (config materialized="table")}}{{/if}}')).toEqual(['DPF202']);
  });

  it('reports a template syntax error as DPF200 with the right line', () => {
    const stray = analyze('select 1\nfrom x {{/if}}\n');
    expect(stray.diagnostics.map((d) => d.code)).toEqual(['DPF200']);
    expect(stray.diagnostics[0]!.location).toMatchObject({ file: FILE, line: 2 });
    expect(stray.ast).toBeUndefined();

    const extraBrace = analyze('select 1\n\nfrom {{ref "a" }}}\n').diagnostics;
    expect(extraBrace.map((d) => d.code)).toEqual(['DPF200']);
    expect(extraBrace[0]!.location).toMatchObject({ line: 3 });

    const mismatched = analyze('select\n\n{{#each (var "n")}}x{{/if}}\n').diagnostics;
    expect(mismatched.map((d) => d.code)).toEqual(['DPF200']);
    expect(mismatched[0]!.message).toContain("each doesn't match if");
    expect(mismatched[0]!.location).toMatchObject({ line: 3 });
  });

  it('reports an unclosed block as DPF200 at the end of the file', () => {
    const [d] = analyze('select 1\n{{#if (is_incremental)}}\nwhere 1\n').diagnostics;
    expect(d!.code).toBe('DPF200');
    expect(d!.message).toContain('end of file');
    expect(d!.location?.line).toBe(4);
  });

  it('reports an unknown partial as DPF207 with a suggestion', () => {
    const [d] = analyze('{{> cents_to_dolars}}').diagnostics;
    expect(d!.code).toBe('DPF207');
    expect(d!.message).toContain('Did you mean "cents_to_dollars"?');
  });

  it('collects every diagnostic in the file', () => {
    expect(codes('{{reff "a"}}\n{{env "X"}}\n{{ref x}}\n{{foo}}\n')).toEqual(['DPF201', 'DPF208', 'DPF202', 'DPF201']);
  });
});

describe('analyzeTemplate: context names and block scopes', () => {
  it('accepts {{this}} inside #each over a var, and names of the current item', () => {
    expect(analyze('{{#each (var "list")}}{{this}}{{/each}}').diagnostics).toEqual([]);
    expect(analyze('{{#each (var "items")}}{{name}}, {{@index}}, {{this.price}}{{/each}}').diagnostics).toEqual([]);
    expect(analyze('{{#with (var "obj")}}{{anything}}{{/with}}').diagnostics).toEqual([]);
  });

  it('accepts {{this}}, {{self}}, {{target.name}} and @data at the top level', () => {
    expect(analyze('select * from {{this}} union all select * from {{self}} -- {{target.name}} {{target.schema}}').diagnostics).toEqual([]);
  });

  it('reports a bare unknown name at the top level as DPF201', () => {
    const [d] = analyze('select 1\nfrom {{foo}}\n').diagnostics;
    expect(d!.code).toBe('DPF201');
    expect(d!.message).toContain('"foo"');
    expect(d!.location).toMatchObject({ line: 2, column: 6 });
  });

  it('checks bare names inside #if, which does not change the scope', () => {
    expect(codes('{{#if (is_incremental)}}{{foo}}{{/if}}')).toEqual(['DPF201']);
  });

  it('still checks helper calls inside #each', () => {
    expect(codes('{{#each (var "list")}}{{reff "x"}}{{/each}}')).toEqual(['DPF201']);
    expect(analyze('{{#each (var "list")}}{{ref "x"}}{{/each}}').refs.map((r) => r.name)).toEqual(['x']);
  });

  it('reports a top-level name that merely starts with "this" (e.g. {{thistle}}) as DPF201', () => {
    // `{{thistle}}` is not `{{this}}`; left unreported it renders as an empty string.
    expect(codes('select {{thistle}}')).toEqual(['DPF201']);
  });
});

/** The fast parser must build exactly the AST handlebars builds, or decline. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import HandlebarsModule from 'handlebars';
import { describe, expect, it } from 'vitest';
import { parseSimpleTemplate } from './parse-simple-template.js';

const canonical = (node: unknown) => JSON.parse(JSON.stringify(node));

function sqlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sqlFiles(path) : path.endsWith('.sql') ? [path] : [];
  });
}

const SIMPLE = [
  'select {{ref "a"}} x\n{{config materialized="table" n=3}}\n',
  "{{config materialized='view' tags=\"a,b\" enabled=false}}\nselect * from {{source \"s\" \"t\"}} where x > {{var \"n\" 3}} and {{this}} {{target.name}} {{self}}",
  'no mustache at all',
  '{{ ref "spaced" }}\n\n  {{var "x" -1.5}}',
  '{{this.foo}} and {{is_incremental}} and {{unknown_thing}}',
  'select "{{var \'it\'}}" -- a comment with {{ref "in_comment"}}\n',
];

const DECLINED = [
  '{{#if (is_incremental)}}where x{{/if}}',
  '{{> macro a="b"}}',
  '{{! comment }}',
  '{{{ref "a"}}}',
  '{{~ref "a"~}}',
  '\\{{ref "a"}}',
  '{{ref (var "x")}}',
  '{{ref "a" b}}',
  '{{ref "a"',
  'from {{ref "a" }}}',
  '{{config a="x" "positional"}}',
  "{{ref \"it\\\"s\"}}",
];

describe('parseSimpleTemplate', () => {
  it('builds the same AST as handlebars for simple templates', () => {
    for (const text of SIMPLE) expect(canonical(parseSimpleTemplate(text)), text).toEqual(canonical(HandlebarsModule.parse(text)));
  });

  it('declines everything else, so handlebars parses it (or reports its syntax error)', () => {
    for (const text of DECLINED) expect(parseSimpleTemplate(text), text).toBeUndefined();
  });

  it('agrees with handlebars on every model of the demo project it accepts, and accepts most', () => {
    const files = sqlFiles(new URL('../../project-template', import.meta.url).pathname);
    let accepted = 0;
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const mine = parseSimpleTemplate(text);
      if (!mine) continue;
      accepted++;
      expect(canonical(mine), file).toEqual(canonical(HandlebarsModule.parse(text)));
    }
    expect(accepted).toBeGreaterThan(files.length / 2);
  });
});

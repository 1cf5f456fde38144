/** The `list` helper and whitespace control (`~`), as docs/templates.md shows them, built on DuckDB. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dpf, makeProject } from './helpers/run-dpf.js';
import { queryDuckDB } from './helpers/query-duckdb.js';

describe('{{#each (list ...)}}', () => {
  it('loops over a list written in the model, with no project var', async () => {
    const dir = makeProject({
      'models/orders.sql': "select * from (values (1, 'placed', 10), (2, 'shipped', 5), (3, 'placed', 1)) as t(order_id, status, amount)\n",
      'models/by_status.sql': `{{config materialized="table"}}
select
{{#each (list "placed" "shipped" "returned")}}
  coalesce(sum(case when status = {{literal this}} then amount end), 0) as {{this}}_amount{{#unless @last}},{{/unless}}
{{/each}}
from {{ref "orders"}}
`,
    });
    const run = await dpf(['build'], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    const rows = await queryDuckDB(join(dir, 'target/dev.duckdb'), 'select cast(columns(*) as integer) from main.by_status');
    expect(rows).toEqual([{ placed_amount: 11, shipped_amount: 5, returned_amount: 0 }]);
  });

  it('takes numbers and booleans too, and is known to the analyzer (no unknown-helper error)', async () => {
    const dir = makeProject({ 'models/m.sql': 'select {{#each (list 1 2 3)}}{{this}} as c{{@index}}{{#unless @last}}, {{/unless}}{{/each}}\n' });
    const run = await dpf(['compile'], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    expect(readFileSync(join(dir, 'target/compiled/proj/models/m.sql'), 'utf8')).toBe('select 1 as c0, 2 as c1, 3 as c2\n');
  });

  it('is suggested for a misspelling', async () => {
    const dir = makeProject({ 'models/m.sql': 'select {{#each (lists "a")}}{{this}}{{/each}}\n' });
    const run = await dpf(['compile'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Did you mean "list"?');
  });
});

describe('whitespace control', () => {
  it('compiles the example of docs/templates.md to one line', async () => {
    const doc = readFileSync(new URL('../docs/templates.md', import.meta.url), 'utf8');
    const example = /## Whitespace control[\s\S]*?```sql\n([\s\S]*?)```/.exec(doc)![1]!;
    const dir = makeProject({ 'models/m.sql': `select 1 as id\n${example}` });
    const run = await dpf(['compile'], { cwd: dir });
    expect(run.code, run.output).toBe(0);
    expect(readFileSync(join(dir, 'target/compiled/proj/models/m.sql'), 'utf8')).toBe("select 1 as id\nwhere status in ('placed', 'shipped')\n");
  });
});

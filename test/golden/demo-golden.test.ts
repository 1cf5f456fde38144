/**
 * Golden tests: `dpf compile` of the demo project, and of a small project with what the demo
 * lacks, must produce the manifest and compiled SQL committed in test/golden/expected/. A
 * refactor that changes compile output fails here; `npm run golden:update` accepts the change.
 */
import { describe, expect, it } from 'vitest';
import { copyDemoProject, dpf, makeProject } from '../helpers/run-dpf.js';
import { expectMatchesGolden } from './golden-files.js';

/**
 * The demo has a file source, an ephemeral model, a custom schema, project vars, a singular, a
 * custom generic and a unit test; this adds an incremental model, a snapshot, a var's default
 * and a model downstream of a file source (through the snapshot).
 */
const FEATURES = {
  'models/sources.yml': `version: 2
sources:
  - name: landing
    tables:
      - name: events
      - name: customers
        external_location: data/customers.csv
`,
  'data/customers.csv': 'id,tier\n1,bronze\n2,silver\n',
  'models/events_incremental.sql': `{{config materialized="incremental" unique_key="id"}}
select id, kind, updated_at
from {{source "landing" "events"}}
where updated_at >= timestamp '{{var "since"}}'
{{#if (is_incremental)}}
  and updated_at > (select max(updated_at) from {{this}})
{{/if}}
`,
  'models/events_by_kind.sql': `{{config materialized="table" schema="reporting"}}
select kind, count(*) as events, '{{var "label" "all events"}}' as label
from {{ref "events_incremental"}}
group by kind
`,
  'snapshots/customers_history.sql': `{{config unique_key="id" strategy="check" check_cols="tier"}}
select id, tier from {{source "landing" "customers"}}
`,
  'models/current_customers.sql': `select id, tier from {{ref "customers_history"}} where dpf_valid_to is null
`,
};

async function compile(dir: string): Promise<void> {
  const run = await dpf(['compile', '--project-dir', dir], { cwd: dir });
  expect(run.code, run.output).toBe(0);
}

describe('golden compile output', () => {
  it('the demo project compiles to test/golden/expected/demo', async () => {
    const dir = copyDemoProject();
    await compile(dir);
    expectMatchesGolden('demo', dir);
  });

  it('incremental, snapshot and var defaults compile to test/golden/expected/features', async () => {
    const dir = makeProject(FEATURES, 'name: proj\nvars:\n  since: "2024-01-01"\n');
    await compile(dir);
    expectMatchesGolden('features', dir);
  });
});

/**
 * Writes a synthetic dpf project of N models, for the benchmarks (and for anyone who wants a
 * large project to try dpf on).
 *
 * Shape (deterministic for a given N and seed):
 * - `seeds/raw_seed_<k>.csv`: a few seeds of `seedRows` rows each, same five columns
 *   (id, group_id, amount, label, event_date), ids 1..seedRows so that joins match.
 * - `models/staging/gNNN/`: ~10% of the models, each reading one seed.
 * - `models/<layer>/gNNN/` for the layers after staging (intermediate_1..3, marts): each model
 *   refs 2-4 models of earlier layers (at least one of the layer just before, so the DAG is
 *   as deep as the number of layers), picked with a skew so that a few models fan out to many.
 *   Every model returns the same five columns and at most `seedRows` rows, as either a chain
 *   of left joins on id or a `union all` aggregated by id.
 * - One properties file per folder (`_gNNN.yml`, ~`modelsPerFolder` models): description,
 *   meta and three described columns per model.
 * - `dpf_project.yml`: +materialized and +tags per layer, +tags per folder, vars used by
 *   ~25% of the models (`{{var "start_date"}}`, `{{var "amount_multiplier" 1}}`), and a few
 *   `{{config tags="..."}}` calls.
 * - `profiles.yml`: DuckDB at target/dev.duckdb, schema main, `threads` configurable.
 * - With `sources: k`, the first k seeds are DuckDB tables instead (`raw.raw_seed_<i>`, declared
 *   in models/sources.yml, read with `{{source "raw" "raw_seed_<i>"}}`): their CSV goes to data/
 *   and data/land_sources.sql creates them with the seeds' column types. dpf does not load
 *   them; whoever builds the project runs that file first (the bench does, in-process).
 * - With `incrementalHub`, the staging model with the most children is an incremental model
 *   merged on `unique_key="id"` (no is_incremental() filter: every run merges all rows, so an
 *   update to an existing id reaches the table, as a from-scratch build would have it).
 *
 * As a CLI: node dist-bench/bench/generate-project.js <dir> <n> [--tables] [--threads N] [--seed S]
 *   [--sources K] [--incremental-hub]
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface GenerateOptions {
  /** Materialize every model as a table (build benchmarks). Default: views, with marts as tables. */
  readonly allTables?: boolean;
  /** threads in profiles.yml (default 4). */
  readonly threads?: number;
  /** Number of seed files (default 5). */
  readonly seeds?: number;
  /** Rows per seed (default 20). */
  readonly seedRows?: number;
  /** Models per folder, and so per properties file (default 100). */
  readonly modelsPerFolder?: number;
  /** Seed of the pseudo-random generator (default 42). */
  readonly randomSeed?: number;
  /** Delete `dir` first (default true). */
  readonly clean?: boolean;
  /** Declare not_null and unique data tests on every model's id (test benchmarks). */
  readonly dataTests?: boolean;
  /** The first k seeds become DuckDB source tables raw.raw_seed_<i> (default 0: all are seeds). */
  readonly sources?: number;
  /** Materialize the staging model with the most children as incremental, merged on id. */
  readonly incrementalHub?: boolean;
  /**
   * Amounts as decimal(18,2) instead of double. A sum of doubles depends on the order DuckDB
   * adds the rows in, which differs between two builds of the same data (parallel union all
   * and aggregation change the last bit), so tables compared row for row need exact numbers.
   */
  readonly exactAmounts?: boolean;
}

/** A source table of the project: the CSV it is landed from, relative to the project. */
export interface SourceTable {
  readonly schema: string;
  readonly name: string;
  readonly csv: string;
  readonly columns: readonly { readonly name: string; readonly type: string }[];
}

export interface GeneratedProject {
  readonly dir: string;
  readonly models: number;
  readonly seeds: number;
  readonly folders: number;
  readonly layers: { name: string; models: number }[];
  /** Total refs (edges between models, and from staging to seeds). */
  readonly edges: number;
  readonly files: number;
  /** Tables to land before the first build (data/land_sources.sql does it), in order. */
  readonly sourceTables: SourceTable[];
  /** The incremental model, with `incrementalHub`. */
  readonly incrementalModel?: string;
}

export const SOURCE_NAME = 'raw';
export const SOURCE_SCHEMA = 'raw';
/** The seeds' columns, with the types dpf infers for them (and +column_types sets for ids). */
export const SEED_COLUMNS: readonly { readonly name: string; readonly type: string }[] = [
  { name: 'id', type: 'INTEGER' },
  { name: 'group_id', type: 'INTEGER' },
  { name: 'amount', type: 'DOUBLE' },
  { name: 'label', type: 'VARCHAR' },
  { name: 'event_date', type: 'DATE' },
];

export const PROJECT_NAME = 'bench';

const LAYERS = ['staging', 'intermediate_1', 'intermediate_2', 'intermediate_3', 'marts'] as const;
const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];

/** mulberry32: small, fast, deterministic (also the monitors' detection proof's). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface ModelSpec {
  readonly name: string;
  readonly layer: number;
  readonly folder: string; // e.g. staging/g000
  readonly parents: string[]; // model or seed names
  readonly style: 'staging' | 'join' | 'union';
  readonly usesVars: boolean;
  readonly configTag?: string;
  /** Staging only: the parent is a source table, not a seed. */
  readonly fromSource?: boolean;
  readonly incremental?: boolean;
}

/** Sizes of the layers: ~10% staging (at least 1), the rest split evenly over the later layers. */
function layerSizes(n: number): number[] {
  if (n <= 0) return LAYERS.map(() => 0);
  const staging = Math.max(1, Math.round(n * 0.1));
  const rest = n - staging;
  const later = LAYERS.length - 1;
  const sizes = [staging];
  for (let i = 0; i < later; i++) sizes.push(Math.floor(rest / later) + (i < rest % later ? 1 : 0));
  return sizes;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

export function planModels(n: number, options: GenerateOptions = {}): { models: ModelSpec[]; seedNames: string[] } {
  const rand = prng(options.randomSeed ?? 42);
  const perFolder = Math.max(1, options.modelsPerFolder ?? 100);
  const seedNames = Array.from({ length: Math.max(1, options.seeds ?? 5) }, (_, i) => `raw_seed_${i}`);
  const sizes = layerSizes(n);
  const width = Math.max(5, String(n).length);
  const byLayer: string[][] = [];
  const models: ModelSpec[] = [];
  let counter = 0;
  // Skewed pick: low indexes are chosen far more often, which gives a few fan-out hubs.
  const skewed = (list: string[]) => list[Math.floor(Math.pow(rand(), 2.5) * list.length)]!;
  sizes.forEach((size, layer) => {
    const names: string[] = [];
    const prefix = layer === 0 ? 'stg' : layer === LAYERS.length - 1 ? 'mart' : `int${layer}`;
    for (let i = 0; i < size; i++) {
      const name = `${prefix}_${pad(counter++, width)}`;
      const folder = `${LAYERS[layer]}/g${pad(Math.floor(i / perFolder), 3)}`;
      const usesVars = rand() < 0.25;
      const configTag = rand() < 0.05 ? 'hot' : undefined;
      if (layer === 0) {
        models.push({ name, layer, folder, parents: [seedNames[i % seedNames.length]!], style: 'staging', usesVars, configTag });
      } else {
        // Parents: one from the layer just before (an empty layer falls back to the nearest
        // non-empty earlier one), then 1-3 more from any earlier layer, previous one favoured.
        const earlier = byLayer.slice(0, layer).filter((l) => l.length > 0);
        const previous = earlier[earlier.length - 1]!;
        const want = 2 + Math.floor(rand() * 3);
        const parents = new Set<string>([skewed(previous)]);
        const available = earlier.reduce((s, l) => s + l.length, 0);
        for (let tries = 0; parents.size < Math.min(want, available) && tries < 50; tries++) {
          const pool = rand() < 0.6 ? previous : earlier[Math.floor(rand() * earlier.length)]!;
          parents.add(skewed(pool));
        }
        models.push({ name, layer, folder, parents: [...parents], style: rand() < 0.5 && parents.size > 1 ? 'join' : 'union', usesVars, configTag });
      }
      names.push(name);
    }
    byLayer.push(names);
  });
  const sources = new Set(seedNames.slice(0, Math.max(0, options.sources ?? 0)));
  const childCount = new Map<string, number>();
  for (const m of models) for (const p of m.parents) childCount.set(p, (childCount.get(p) ?? 0) + 1);
  const hub = options.incrementalHub
    ? models.filter((m) => m.layer === 0).reduce((best, m) => ((childCount.get(m.name) ?? 0) > (childCount.get(best.name) ?? 0) ? m : best))
    : undefined;
  const shaped = models.map((m) =>
    m.layer === 0 && (sources.has(m.parents[0]!) || m === hub) ? { ...m, fromSource: sources.has(m.parents[0]!), incremental: m === hub } : m,
  );
  return { models: shaped, seedNames };
}

function modelSql(m: ModelSpec, allTables: boolean, amountType: string): string {
  const lines: string[] = [];
  // Merged on id without an is_incremental() filter: updated rows reach the table too.
  if (m.incremental) lines.push(`{{config materialized="incremental" unique_key="id"${m.configTag ? ` tags="${m.configTag}"` : ''}}}`);
  else if (m.configTag) lines.push(`{{config tags="${m.configTag}"}}`);
  else if (!allTables && m.layer > 0 && m.layer < LAYERS.length - 1 && m.name.endsWith('7')) {
    // A few intermediate models override their folder's view default, as real projects do.
    lines.push('{{config materialized="table"}}');
  }
  const amount = m.usesVars ? 'amount * {{var "amount_multiplier" 1}}' : 'amount';
  const filter = m.usesVars ? `event_date >= date '{{var "start_date"}}'` : undefined;
  if (m.style === 'staging') {
    const from = m.fromSource ? `{{source "${SOURCE_NAME}" "${m.parents[0]}"}}` : `{{ref "${m.parents[0]}"}}`;
    lines.push(
      `-- ${m.name}: typed and cleaned rows of ${m.parents[0]}`,
      'select',
      '    cast(id as integer) as id,',
      '    cast(group_id as integer) as group_id,',
      `    cast(${amount} as ${amountType}) as amount,`,
      '    lower(label) as label,',
      '    cast(event_date as date) as event_date',
      `from ${from}`,
    );
    if (filter) lines.push(`where ${filter}`);
  } else if (m.style === 'join') {
    const aliases = m.parents.map((_, i) => `p${i + 1}`);
    lines.push(`-- ${m.name}: ${m.parents.join(', ')} joined on id`, 'with');
    m.parents.forEach((p, i) => {
      lines.push(`${aliases[i]} as (`, `    select * from {{ref "${p}"}}`, `)${i < m.parents.length - 1 ? ',' : ''}`);
    });
    const sum = aliases.map((a, i) => (i === 0 ? `p1.${amount}` : `coalesce(${a}.amount, 0)`)).join(' + ');
    lines.push(
      'select',
      '    p1.id,',
      '    p1.group_id,',
      `    cast(${sum} as ${amountType}) as amount,`,
      "    left(p1.label || '_' || coalesce(p2.label, ''), 40) as label,",
      '    p1.event_date',
      'from p1',
    );
    for (const a of aliases.slice(1)) lines.push(`left join ${a} on p1.id = ${a}.id`);
    if (filter) lines.push(`where p1.${filter}`);
  } else {
    lines.push(
      `-- ${m.name}: ${m.parents.join(', ')} stacked and summed by id`,
      'select',
      '    id,',
      '    min(group_id) as group_id,',
      `    cast(sum(${amount}) as ${amountType}) as amount,`,
      '    min(label) as label,',
      '    max(event_date) as event_date',
      'from (',
    );
    m.parents.forEach((p, i) => {
      lines.push(`    select id, group_id, amount, label, event_date from {{ref "${p}"}}`);
      if (i < m.parents.length - 1) lines.push('    union all');
    });
    lines.push(') as stacked');
    if (filter) lines.push(`where ${filter}`);
    lines.push('group by id');
  }
  return lines.join('\n') + '\n';
}

function yamlString(s: string): string {
  return JSON.stringify(s);
}

function propertiesYaml(models: ModelSpec[], dataTests = false): string {
  const out = ['version: 2', '', 'models:'];
  for (const m of models) {
    const what =
      m.style === 'staging'
        ? `Typed copy of ${m.parents[0]}, one row per id.`
        : `${m.style === 'join' ? 'Left join' : 'Union and sum'} of ${m.parents.join(', ')}, one row per id.`;
    out.push(
      `  - name: ${m.name}`,
      `    description: ${yamlString(`Synthetic ${LAYERS[m.layer]} model. ${what}`)}`,
      '    meta:',
      `      owner: team_${WORDS[m.layer * 2 + (m.name.length % 2)]}`,
      '    columns:',
      '      - name: id',
      '        description: Row key, 1 to the number of seed rows.',
      ...(dataTests ? ['        data_tests: [not_null, unique]'] : []),
      '      - name: amount',
      `        description: ${yamlString(m.usesVars ? 'Amount times the amount_multiplier var.' : 'Amount summed over the parents.')}`,
      '      - name: label',
      '        description: Free text label.',
    );
  }
  return out.join('\n') + '\n';
}

function seedCsv(seedIndex: number, rows: number, rand: () => number): string {
  const lines = ['id,group_id,amount,label,event_date'];
  for (let id = 1; id <= rows; id++) {
    const day = new Date(Date.UTC(2023, 0, 1) + Math.floor(rand() * 700) * 86_400_000).toISOString().slice(0, 10);
    const amount = (Math.floor(rand() * 100_000) / 100).toFixed(2);
    lines.push(`${id},${(id % 4) + 1},${amount},${WORDS[(id + seedIndex) % WORDS.length]!.toUpperCase()},${day}`);
  }
  return lines.join('\n') + '\n';
}

function sourcesYaml(tables: string[]): string {
  return [
    'version: 2',
    '',
    'sources:',
    `  - name: ${SOURCE_NAME}`,
    `    schema: ${SOURCE_SCHEMA}`,
    '    description: Tables landed by data/land_sources.sql before the first build.',
    '    tables:',
    ...tables.map((t) => `      - name: ${t}`),
    '',
  ].join('\n');
}

/** DuckDB SQL creating the source tables from their CSV files, relative to `projectDir` if given. */
export function landSourcesSql(tables: readonly SourceTable[], projectDir?: string): string {
  const lines = [
    '-- Lands the source tables of this generated project. Run from the project folder before the',
    "-- first build, e.g. `duckdb target/dev.duckdb < data/land_sources.sql` (dpf does not load sources).",
    `create schema if not exists ${SOURCE_SCHEMA};`,
  ];
  for (const t of tables) {
    const columns = t.columns.map((c) => `'${c.name}': '${c.type}'`).join(', ');
    lines.push(`create or replace table ${t.schema}.${t.name} as select * from read_csv('${(projectDir ? join(projectDir, t.csv) : t.csv).replace(/'/g, "''")}', header = true, columns = {${columns}});`);
  }
  return lines.join('\n') + '\n';
}

function projectYaml(folders: Map<string, ModelSpec[]>, allTables: boolean): string {
  const lines = [
    `name: ${PROJECT_NAME}`,
    'version: "1.0"',
    `profile: ${PROJECT_NAME}`,
    'model-paths: [models]',
    'seed-paths: [seeds]',
    'vars:',
    '  start_date: "2023-01-01"',
    '  amount_multiplier: 2',
    'models:',
    `  ${PROJECT_NAME}:`,
    `    +materialized: ${allTables ? 'table' : 'view'}`,
  ];
  const byLayer = new Map<string, string[]>();
  for (const folder of folders.keys()) {
    const [layer, group] = folder.split('/') as [string, string];
    byLayer.set(layer, [...(byLayer.get(layer) ?? []), group]);
  }
  for (const [layer, groups] of byLayer) {
    lines.push(`    ${layer}:`, `      +tags: [${layer}]`);
    if (!allTables) lines.push(`      +materialized: ${layer === 'marts' ? 'table' : 'view'}`);
    for (const group of groups) lines.push(`      ${group}:`, `        +tags: ["${layer}_${group}"]`);
  }
  lines.push('seeds:', `  ${PROJECT_NAME}:`, '    +tags: [raw]', '    +column_types: {id: integer, group_id: integer}');
  return lines.join('\n') + '\n';
}

function profilesYaml(threads: number): string {
  return [
    `${PROJECT_NAME}:`,
    '  target: dev',
    '  outputs:',
    '    dev:',
    '      type: duckdb',
    '      path: target/dev.duckdb',
    '      schema: main',
    `      threads: ${threads}`,
    // The same warehouse without engine stats (docs/cost.md), to measure what they cost.
    '    nostats:',
    '      type: duckdb',
    '      path: target/dev.duckdb',
    '      schema: main',
    `      threads: ${threads}`,
    '      engine_stats: false',
    '',
  ].join('\n');
}

export function generateProject(dir: string, n: number, options: GenerateOptions = {}): GeneratedProject {
  if (!Number.isInteger(n) || n < 1) throw new Error(`generateProject: n must be a positive integer, got ${n}`);
  const root = resolve(dir);
  if (options.clean !== false) rmSync(root, { recursive: true, force: true });
  const allTables = options.allTables === true;
  const { models, seedNames } = planModels(n, options);
  let files = 0;
  const write = (rel: string, text: string) => {
    writeFileSync(join(root, rel), text);
    files++;
  };
  mkdirSync(join(root, 'seeds'), { recursive: true });
  const rand = prng((options.randomSeed ?? 42) + 1);
  const sourceCount = Math.min(seedNames.length, Math.max(0, options.sources ?? 0));
  const amountType = options.exactAmounts ? 'decimal(18,2)' : 'double';
  const columns = SEED_COLUMNS.map((c) => (c.name === 'amount' ? { ...c, type: amountType.toUpperCase() } : c));
  const sourceTables: SourceTable[] = seedNames.slice(0, sourceCount).map((name) => ({ schema: SOURCE_SCHEMA, name, csv: `data/${name}.csv`, columns }));
  if (sourceCount > 0) mkdirSync(join(root, 'data'), { recursive: true });
  // The same rows whether a seed or a source (one generator, in seed order).
  seedNames.forEach((s, i) => write(i < sourceCount ? `data/${s}.csv` : `seeds/${s}.csv`, seedCsv(i, options.seedRows ?? 20, rand)));
  if (sourceCount > 0) {
    write('data/land_sources.sql', landSourcesSql(sourceTables));
    mkdirSync(join(root, 'models'), { recursive: true });
    write('models/sources.yml', sourcesYaml(sourceTables.map((t) => t.name)));
  }

  const folders = new Map<string, ModelSpec[]>();
  for (const m of models) folders.set(m.folder, [...(folders.get(m.folder) ?? []), m]);
  for (const [folder, list] of folders) {
    mkdirSync(join(root, 'models', folder), { recursive: true });
    for (const m of list) write(`models/${folder}/${m.name}.sql`, modelSql(m, allTables, amountType));
    write(`models/${folder}/_${folder.replace("/", "_")}.yml`, propertiesYaml(list, options.dataTests === true));
  }
  write('dpf_project.yml', projectYaml(folders, allTables));
  write('profiles.yml', profilesYaml(options.threads ?? 4));
  write('.gitignore', 'target/\n');

  const layers = LAYERS.map((name, i) => ({ name, models: models.filter((m) => m.layer === i).length }));
  const edges = models.reduce((s, m) => s + m.parents.length, 0);
  return {
    dir: root,
    models: models.length,
    seeds: seedNames.length - sourceCount,
    folders: folders.size,
    layers,
    edges,
    files,
    sourceTables,
    incrementalModel: models.find((m) => m.incremental)?.name,
  };
}

function main(argv: string[]): void {
  const positional = argv.filter((a, i) => !a.startsWith('--') && !['--threads', '--seed', '--sources'].includes(argv[i - 1] ?? ''));
  const flag = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const [dir, count] = positional;
  const n = Number(count);
  if (!dir || !Number.isInteger(n) || n < 1) {
    process.stderr.write('usage: node dist-bench/bench/generate-project.js <dir> <n> [--tables] [--threads N] [--seed S] [--sources K] [--incremental-hub]\n');
    process.exitCode = 2;
    return;
  }
  const t0 = performance.now();
  const result = generateProject(dir, n, {
    allTables: argv.includes('--tables'),
    threads: flag('--threads') !== undefined ? Number(flag('--threads')) : undefined,
    randomSeed: flag('--seed') !== undefined ? Number(flag('--seed')) : undefined,
    sources: flag('--sources') !== undefined ? Number(flag('--sources')) : undefined,
    incrementalHub: argv.includes('--incremental-hub'),
  });
  const seconds = ((performance.now() - t0) / 1000).toFixed(2);
  process.stdout.write(
    `Generated ${result.models} models (${result.layers.map((l) => `${l.name} ${l.models}`).join(', ')}), ` +
      `${result.seeds} seeds, ${result.folders} folders, ${result.edges} refs, ${result.files} files in ${result.dir} (${seconds}s)\n` +
      (result.sourceTables.length > 0 ? `${result.sourceTables.length} source tables: land them first with data/land_sources.sql\n` : '') +
      (result.incrementalModel ? `incremental model: ${result.incrementalModel}\n` : ''),
  );
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) main(process.argv.slice(2));

/**
 * Every user-facing error dpf can report, as data (after Astro's errors-data.ts). Codes are
 * permanent: never renumber or reuse one, so that docs and search results stay valid.
 * Messages say what went wrong; the location is printed separately, so messages never repeat it.
 */

const didYouMean = (s?: string) => (s ? ` Did you mean "${s}"?` : '');

export const ERRORS = {
  // ---- project files (DPF1xx)
  ProjectNotFound: {
    code: 'DPF100',
    title: 'No dpf project here',
    message: (a: { dir: string }) => `No dpf_project.yml found in ${a.dir}.`,
    hint: 'Run dpf inside a project folder, pass --project-dir <folder>, or create one with `dpf init my_project`.',
  },
  YamlSyntax: {
    code: 'DPF101',
    title: 'YAML syntax error',
    message: (a: { detail: string }) => `This YAML file cannot be read: ${a.detail}`,
    hint: 'Check indentation (spaces, not tabs) and quote values that contain ": " or start with "{", "[", "*" or "&".',
  },
  YamlTooComplex: {
    code: 'DPF110',
    title: 'YAML too complex',
    message: (a: { detail: string }) => `This YAML file ${a.detail}.`,
    hint: 'Write the value out flatter, or repeat it instead of using an *alias: dpf YAML files are configuration, not data.',
  },
  UnknownKey: {
    code: 'DPF102',
    title: 'Unknown key',
    message: (a: { key: string; where: string; suggestion?: string }) =>
      `Unknown key "${a.key}" in ${a.where}.${didYouMean(a.suggestion)}`,
    hint: (a: { allowed: string[] }) => `Allowed keys here: ${a.allowed.join(', ')}.`,
  },
  InvalidValue: {
    code: 'DPF103',
    title: 'Invalid value',
    message: (a: { where: string; detail: string }) => `Invalid value at ${a.where}: ${a.detail}.`,
    hint: 'See schemas/ for the shape of every dpf YAML file; editors with YAML support autocomplete from them.',
  },
  DuplicateName: {
    code: 'DPF104',
    title: 'Duplicate name',
    message: (a: { kind: string; name: string; other: string }) =>
      `Two ${a.kind}s are named "${a.name}"; the other one is ${a.other}.`,
    hint: 'Names must be unique across the project: rename one of the files (or give it an alias in config if you only need the relation name to differ).',
  },
  PatchWithoutNode: {
    code: 'DPF105',
    title: 'YAML describes something that does not exist',
    message: (a: { kind: string; name: string; suggestion?: string }) =>
      `This YAML describes ${a.kind} "${a.name}", but there is no such file.${didYouMean(a.suggestion)}`,
    hint: 'Fix the name, or add the SQL (or CSV) file it should describe.',
  },
  UnusedConfigPath: {
    code: 'DPF106',
    title: 'Config path matches nothing',
    message: (a: { path: string }) => `The config path "${a.path}" in dpf_project.yml applies to no resource.`,
    hint: 'Folder names under `models:` must match folders under the model paths; config keys start with "+".',
  },
  InvalidConfig: {
    code: 'DPF107',
    title: 'Invalid config',
    message: (a: { key: string; detail: string }) => `Config "${a.key}" ${a.detail}.`,
    hint: 'See docs/configuration.md for the config keys dpf understands and their values.',
  },
  RelationCollision: {
    code: 'DPF109',
    title: 'Two nodes build the same relation',
    message: (a: { relation: string; name: string; other: string }) =>
      `"${a.name}" and "${a.other}" would both build ${a.relation}; the second would overwrite the first.`,
    hint: 'Give one of them another alias or schema in its config.',
  },
  InvalidVars: {
    code: 'DPF108',
    title: 'Invalid --vars',
    message: (a: { detail: string }) => `--vars must be a YAML mapping: ${a.detail}.`,
    hint: `Example: --vars '{reporting_start: "2024-01-01", categories: [A, B]}'`,
  },

  DbtProjectFound: {
    code: 'DPF111',
    title: 'A dbt project, not a dpf project',
    message: (a: { dir: string }) => `${a.dir} holds dbt_project.yml but no dpf_project.yml: this is a dbt project.`,
    hint: 'dpf reads dpf_project.yml, whose keys are dbt_project.yml\'s: copy it (cp dbt_project.yml dpf_project.yml) and run dpf again; it names each dbt-only setting it meets. Models need their Jinja rewritten as dpf templates: docs/from-dbt.md shows each construct side by side. (`dpf import dbt`, which will convert a project, is not available yet.)',
  },
  DbtOnlyKey: {
    code: 'DPF112',
    title: 'dbt setting ignored',
    message: (a: { key: string; reason: string }) => `"${a.key}" is a dbt setting that dpf ignores: ${a.reason}.`,
    hint: 'Remove it from dpf_project.yml; docs/from-dbt.md lists every dbt_project.yml key and what dpf does with it.',
  },
  RunHooks: {
    code: 'DPF113',
    title: 'Run hooks are not supported',
    message: (a: { key: string }) => `dpf has no ${a.key} hooks, so the SQL under "${a.key}" would never run.`,
    hint: 'Grants are a config in dpf (+grants under models:, docs/configuration.md); run other statements outside dpf, before or after `dpf build`. Remove the key once its SQL has a new home.',
  },
  FolderKeyInvalid: {
    code: 'DPF114',
    title: 'Neither a config nor a folder',
    message: (a: { key: string; where: string; suggestion?: string }) =>
      `"${a.key}" under ${a.where} is neither a config dpf knows nor a folder (a folder's value is a mapping).${didYouMean(a.suggestion)}`,
    hint: (a: { mappingConfig?: string; allowed: string[] }) =>
      a.mappingConfig
        ? `"${a.mappingConfig}" has no "+", so it is read as a folder: a config whose value is a mapping needs the "+", as in dbt. Write "+${a.mappingConfig}:".`
        : `Configs here: ${a.allowed.join(', ')}. The "+" may be left out where the value is plain (materialized: table); a config whose value is a mapping (+meta, +docs, +grants, +column_types) needs it.`,
  },
  DocNotFound: {
    code: 'DPF115',
    title: 'Unknown docs block',
    message: (a: { name: string; suggestion?: string }) => `{{ doc("${a.name}") }} names no docs block.${didYouMean(a.suggestion)}`,
    hint: 'Docs blocks are written in .md files under the model, seed or snapshot paths: {% docs name %}text{% enddocs %}.',
  },
  DocsBlockInvalid: {
    code: 'DPF116',
    title: 'Invalid docs block',
    message: (a: { detail: string }) => `This docs block cannot be read: ${a.detail}.`,
    hint: 'A docs block is {% docs name %} (a name of letters, digits and underscores), its Markdown text, then {% enddocs %}.',
  },
  PoolNotFound: {
    code: 'DPF117',
    title: 'Unknown pool',
    message: (a: { name: string; suggestion?: string }) => `No pool is named "${a.name}".${didYouMean(a.suggestion)}`,
    hint: (a: { known: string[] }) =>
      `Pools are declared in dpf_project.yml, e.g. pools: {partner_api: 1} (docs/configuration.md#pools). Declared here: ${a.known.join(', ')}.`,
  },

  // ---- analyses (DPF190–199; docs/analyses.md)
  AnalysisNotAQuery: {
    code: 'DPF190',
    title: 'An analysis must be one query',
    message: (a: { name: string; detail: string }) => `The sql: of analysis ${a.name} is not one read-only query: ${a.detail}.`,
    hint: 'An analysis only reads: write one select (or with) statement. Tables are built by models, not analyses.',
  },
  ChartNeedsY: {
    code: 'DPF191',
    title: 'Chart without a y column',
    message: (a: { name: string; mark: string; aggregate: string }) => `The ${a.mark} chart of analysis ${a.name} has no y: column, and aggregate ${a.aggregate} needs one.`,
    hint: 'Name the column to plot as y:, or count rows per x with aggregate: count.',
  },
  AnalysisQueryFailed: {
    code: 'DPF192',
    title: 'Analysis query failed',
    message: (a: { name: string; detail: string }) => `The query of analysis ${a.name} failed in the warehouse, so its page has no data: ${a.detail}`,
    hint: (a: { name: string }) => `Build what it reads first (dpf build), then try its SQL with dpf compile -s analysis:${a.name} and dpf show --inline. The page still shows its SQL and chart settings.`,
  },
  ChartColumnUnknown: {
    code: 'DPF193',
    title: 'Chart names a column the query does not return',
    message: (a: { name: string; role: string; column: string; suggestion?: string }) =>
      `The chart of analysis ${a.name} plots "${a.column}" as ${a.role}, but its query returns no such column.${didYouMean(a.suggestion)}`,
    hint: (a: { columns: string[] }) => `Columns its query returns: ${a.columns.join(', ')}. Its page shows the data table without a chart until the chart names one of them.`,
  },
  DbtAnalysisFile: {
    code: 'DPF194',
    title: 'A dbt analysis file',
    message: (a: { path: string }) => `${a.path} is SQL; dpf analyses are YAML files (title, sql, chart), so it is not read.`,
    hint: 'Move its query into the sql: of an analyses/<name>.yml (docs/analyses.md), or run it once with dpf show --inline.',
  },

  // ---- the Explore page (DPF180–189; docs/explore.md): read-only queries from `dpf docs serve`
  ExploreNotReadOnly: {
    code: 'DPF180',
    title: 'Only a SELECT may run here',
    message: (a: { statement: string }) => `The Explore page runs read-only queries, and this is a ${a.statement} statement.`,
    hint: 'Write one SELECT (or WITH … SELECT). Changes to the warehouse go through models and `dpf build`; files are written by export models.',
  },
  ExploreMultipleStatements: {
    code: 'DPF181',
    title: 'One statement at a time',
    message: (a: { line: number }) => `This text holds more than one statement: a second one begins on line ${a.line}.`,
    hint: 'Run one SELECT at a time: remove the text after the first semicolon, or select and run each query alone.',
  },
  WarehouseBusy: {
    code: 'DPF182',
    title: 'A build is running',
    message: (a: { engine: string }) => `${a.engine} could not open the warehouse to read: a build (or another dpf command) holds it for writing.`,
    hint: 'A build is running; try again when it ends. The Explore page opens the file only while a query runs, so it never holds a build up.',
  },
  QueryTimedOut: {
    code: 'DPF183',
    title: 'Query took too long',
    message: (a: { seconds: number }) => `The query was cancelled after ${a.seconds} s, the time limit of the Explore page.`,
    hint: 'Narrow it (a where clause, fewer joins, an aggregate), or start `dpf docs serve --query-timeout <seconds>` with a longer limit.',
  },
  WarehouseNotBuilt: {
    code: 'DPF184',
    title: 'No warehouse to query yet',
    message: (a: { engine: string; detail: string }) => `${a.engine} has no database to read: ${a.detail}`,
    hint: 'Run `dpf build` first: the Explore page reads what the build wrote, and never creates the database itself.',
  },
  DownloadUnsupported: {
    code: 'DPF185',
    title: 'Cannot download in this format',
    message: (a: { format: string; engine: string }) => `${a.engine} cannot write a query's result as ${a.format} for download.`,
    hint: 'Download it as CSV instead, or deliver the rows with an export (docs/plugins.md#exports-delivering-a-models-rows-sinks).',
  },

  AnalysisNameInvalid: {
    code: 'DPF186',
    title: 'Not a name for an analysis',
    message: (a: { name: string }) => `"${a.name}" cannot name an analysis: it becomes the file analyses/<name>.yml, so it must be letters, digits and underscores, starting with a letter or underscore (no slash, no dot, no spaces).`,
    hint: 'Pick a name like revenue_by_month. The title can say anything; the name is the file.',
  },
  AnalysisExists: {
    code: 'DPF187',
    title: 'An analysis with this name exists',
    message: (a: { file: string }) => `${a.file} already exists, and nothing was written.`,
    hint: 'Pick another name, or tick "Replace the existing file" (overwrite: true) to replace it.',
  },
  AnalysisChartInvalid: {
    code: 'DPF188',
    title: 'Not a chart an analysis can hold',
    message: (a: { detail: string }) => `The chart was not saved: ${a.detail}.`,
    hint: 'Choose the chart with the chart builder under the result (docs/analyses.md lists the marks and aggregations).',
  },

  // ---- templates and references (DPF2xx)
  TemplateSyntax: {
    code: 'DPF200',
    title: 'Template syntax error',
    message: (a: { detail: string }) => `The handlebars template cannot be parsed: ${a.detail}`,
    hint: 'Helpers are written {{ref "model"}}; blocks open with {{#if ...}} and close with {{/if}}.',
  },
  UnknownHelper: {
    code: 'DPF201',
    title: 'Unknown helper',
    message: (a: { name: string; suggestion?: string }) => `Unknown helper or variable "${a.name}".${didYouMean(a.suggestion)}`,
    hint: 'Model helpers: ref, source, config, var, literal, list, this, self, is_incremental, target, each_value, each_name, union_refs (docs/templates.md). Partials come from macros/*.hbs.',
  },
  HelperArguments: {
    code: 'DPF202',
    title: 'Wrong helper arguments',
    message: (a: { helper: string; detail: string }) => `{{${a.helper}}} ${a.detail}.`,
    hint: (a: { usage: string }) => `Usage: ${a.usage}`,
  },
  RefNotFound: {
    code: 'DPF203',
    title: 'Reference to a missing model',
    message: (a: { name: string; suggestion?: string; call?: string }) =>
      `${a.call ?? `{{ref "${a.name}"}}`} names no model, seed or snapshot.${didYouMean(a.suggestion)}`,
    hint: 'ref takes the file name of a model without .sql (or a seed\'s CSV name); `dpf ls` lists them all.',
  },
  SourceNotFound: {
    code: 'DPF204',
    title: 'Reference to a missing source',
    message: (a: { source: string; table: string; suggestion?: string; call?: string }) =>
      `${a.call ?? `{{source "${a.source}" "${a.table}"}}`} names no declared source table.${didYouMean(a.suggestion)}`,
    hint: 'Declare it in a YAML file under models/: sources: [{name: <source>, tables: [{name: <table>}]}].',
  },
  DependencyCycle: {
    code: 'DPF205',
    title: 'Dependency cycle',
    message: (a: { path: string[] }) => `These models ref each other in a circle (each one refs the next): ${a.path.join(' -> ')}.`,
    hint: 'Remove one of the refs, or move the shared logic into a new model both can ref.',
  },
  VarMissing: {
    code: 'DPF206',
    title: 'Missing variable',
    message: (a: { name: string; suggestion?: string }) => `The variable "${a.name}" is not defined and has no default.${didYouMean(a.suggestion)}`,
    hint: 'Define it under vars: in dpf_project.yml, pass --vars \'{name: value}\', or give a default: {{var "name" "default"}}.',
  },
  PartialNotFound: {
    code: 'DPF207',
    title: 'Unknown partial',
    message: (a: { name: string; suggestion?: string }) => `No macro named "${a.name}" exists.${didYouMean(a.suggestion)}`,
    hint: 'Partials are the files macros/*.hbs, called by file name: {{> my_macro arg="x"}}.',
  },
  EnvOutsideProfile: {
    code: 'DPF208',
    title: 'env is only for profiles',
    message: () => 'The env helper can only be used in profiles.yml, so that secrets never reach compiled SQL or artifacts.',
    hint: 'Pass values to models with vars: {{var "name"}}, set from dpf_project.yml or --vars.',
  },
  RenderFailed: {
    code: 'DPF209',
    title: 'Template failed to render',
    message: (a: { detail: string }) => `Rendering failed: ${a.detail}`,
    hint: 'Check the helpers and partials used in this file.',
  },

  UnknownGenericTest: {
    code: 'DPF210',
    title: 'Unknown generic test',
    message: (a: { name: string; suggestion?: string }) => `No generic test named "${a.name}".${didYouMean(a.suggestion)}`,
    hint: 'Built-in tests: not_null, unique, accepted_values, relationships, expression_is_true, unique_combination_of_columns, row_count, recency, not_empty; custom ones are tests/generic/<name>.sql.',
  },
  TestArgument: {
    code: 'DPF211',
    title: 'Invalid test argument',
    message: (a: { test: string; detail: string; suggestion?: string }) => `Test "${a.test}": ${a.detail}.${didYouMean(a.suggestion)}`,
    hint: (a: { allowed: string[] }) =>
      a.allowed.length ? `Arguments of this test: ${a.allowed.join(', ')}; config goes under config: (severity, warn_if, error_if, where, limit, store_failures, tags, enabled, meta).` : 'This test takes no arguments; config goes under config:.',
  },
  TestNeedsColumn: {
    code: 'DPF212',
    title: 'Test needs a column',
    message: (a: { test: string }) => `The test "${a.test}" checks a column, but it is declared on a whole model.`,
    hint: 'Move it under the column: columns: [{name: my_column, data_tests: [...]}].',
  },
  InvalidThreshold: {
    code: 'DPF213',
    title: 'Invalid test threshold',
    message: (a: { key: string; value: string }) => `${a.key} must be a comparison with a number, got "${a.value}".`,
    hint: 'Examples: "!= 0" (the default), ">10", ">= 100", "=0".',
  },
  UnitTestInvalid: {
    code: 'DPF214',
    title: 'Invalid unit test',
    message: (a: { test: string; detail: string; suggestion?: string }) => `Unit test "${a.test}": ${a.detail}.${didYouMean(a.suggestion)}`,
    hint: 'A unit test names its model, gives rows for the inputs it reads (given: [{input: ref("x"), rows: [...]}]) and the rows it expects (expect: {rows: [...]}).',
  },
  FixtureInvalid: {
    code: 'DPF215',
    title: 'Invalid fixture',
    message: (a: { detail: string }) => `The fixture cannot be read: ${a.detail}`,
    hint: 'Fixtures are lists of rows (dict), CSV text or files in tests/fixtures/ (csv), or a SELECT (sql).',
  },

  FreshnessNoData: {
    code: 'DPF216',
    title: 'No load time',
    message: (a: { source: string; value: string }) => `The freshness check of ${a.source} found no load time (it got ${a.value}).`,
    hint: 'The source may be empty, or loaded_at_field may name a column that is always null; check the filter too.',
  },
  FreshnessWithoutField: {
    code: 'DPF217',
    title: 'Freshness without a load time',
    message: (a: { source: string }) => `${a.source} has a freshness block but neither loaded_at_field nor loaded_at_query.`,
    hint: 'Add loaded_at_field: <timestamp column> to the table or its source, or opt out with freshness: null.',
  },
  JinjaSyntax: {
    code: 'DPF220',
    title: 'Jinja syntax',
    message: (a: { written: string; what: string; spelling: string }) =>
      `${a.written} is ${a.what} in Jinja, dbt's template language; in dpf's handlebars it is ${a.spelling}.`,
    hint: (a: { spelling: string; note?: string }) =>
      `Write ${a.spelling}${a.note ? ` (${a.note})` : ''}. Every dbt construct and its dpf form: docs/from-dbt.md.`,
  },

  // ---- fan-out and fan-in (DPF23x; docs/configuration.md#for_each)
  ForEachValue: {
    code: 'DPF230',
    title: 'Invalid for_each value',
    message: (a: { index: number; detail: string }) => `Value ${a.index} of this for_each ${a.detail}.`,
    hint: 'for_each takes a list of values (text, numbers, true/false) or of rows (mappings of those); each generates a model named <file>_<value>, or by the for_each name: template.',
  },
  ForEachNameCollision: {
    code: 'DPF231',
    title: 'Two for_each values give one model name',
    message: (a: { name: string; first: string; second: string }) => `The values ${a.first} and ${a.second} both generate a model named "${a.name}".`,
    hint: 'Names keep lower-case letters, digits and underscores of the value. Remove the duplicate value, or give for_each a name: template (in YAML) that tells them apart, e.g. name: "sales_{{code}}".',
  },
  ForEachQueryFailed: {
    code: 'DPF232',
    title: 'for_each query failed',
    message: (a: { detail: string }) => `This for_each query could not run at compile time, and no cached result exists: ${a.detail}`,
    hint: (a: { reads: string }) => {
      const build = a.reads ? a.reads.split(' ').map((r) => `+${r}`).join(' ') : '<what it reads>';
      return `The query runs against the target when the project compiles, so what it reads must exist first: build it with \`dpf build -s ${build} --skip-failed-for-each\` (this file then generates no models, with a warning), then compile again. If the warehouse was unreachable, check the target. See docs/configuration.md#for_each.`;
    },
  },
  ForEachCacheUsed: {
    code: 'DPF233',
    title: 'for_each used its cached result',
    message: (a: { detail: string; at: string }) => `This for_each query could not run (${a.detail}); the models come from its result cached at ${a.at}.`,
    hint: 'Run `dpf compile --refresh-for-each` once the warehouse answers, to take the current rows.',
  },
  ForEachSkipped: {
    code: 'DPF234',
    title: 'for_each generated no models',
    message: (a: { file: string; detail: string }) => `${a.file} generates no models in this run: its for_each query failed (${a.detail}) and --skip-failed-for-each was given.`,
    hint: 'Build what the query reads, then compile again without --skip-failed-for-each.',
  },
  ForEachEmpty: {
    code: 'DPF235',
    title: 'for_each over nothing',
    message: (a: { file: string }) => `The for_each of ${a.file} has no values: it generates no models.`,
    hint: 'Give the list (or the query) some values, or remove the file if it is not needed.',
  },
  EachValueOutsideForEach: {
    code: 'DPF236',
    title: 'each_value outside a for_each model',
    message: () => '{{each_value}} and {{each_name}} stand for the value of a for_each, and this model has no for_each.',
    hint: 'Add {{config for_each=(var "regions")}} (or config: for_each: in its YAML), or use {{var "name"}} for a single value.',
  },
  UnionRefsNoMatch: {
    code: 'DPF237',
    title: 'union_refs selects nothing',
    message: (a: { selector: string }) => `{{union_refs "${a.selector}"}} selects no model, seed or snapshot.`,
    hint: 'The selector is dpf\'s usual syntax (tag:x, path:models/marts, name*, config.materialized:table); `dpf ls -s <selector>` shows what it selects.',
  },
  UnionRefsColumns: {
    code: 'DPF238',
    title: 'union_refs needs the columns',
    message: (a: { selector: string; models: string }) => `{{union_refs "${a.selector}"}} aligns columns by name, but these models declare no columns: ${a.models}.`,
    hint: 'Declare their columns in YAML (columns: with name and, for typed NULLs, data_type); a for_each file\'s YAML entry declares them for every model it generates.',
  },

  // ---- profiles and connections (DPF3xx)
  ProfilesFileMissing: {
    code: 'DPF300',
    title: 'No profiles.yml',
    message: (a: { searched: string[] }) => `No profiles.yml found; looked in ${a.searched.join(', ')}.`,
    hint: 'Create profiles.yml in the project folder (see project-template/profiles.yml), or pass --profiles-dir.',
  },
  ProfileMissing: {
    code: 'DPF301',
    title: 'Profile not found',
    message: (a: { profile: string; available: string[] }) =>
      `profiles.yml has no profile "${a.profile}"${a.available.length ? ` (it has: ${a.available.join(', ')})` : ''}.`,
    hint: 'The profile name comes from `profile:` in dpf_project.yml (or its `name:`); add that profile to profiles.yml.',
  },
  TargetMissing: {
    code: 'DPF302',
    title: 'Target not found',
    message: (a: { profile: string; target: string; available: string[] }) =>
      `Profile "${a.profile}" has no target "${a.target}" (it has: ${a.available.join(', ') || 'none'}).`,
    hint: 'Pass one of the listed targets with --target, or add the target under outputs:.',
  },
  EnvVarMissing: {
    code: 'DPF303',
    title: 'Environment variable not set',
    message: (a: { name: string }) => `The environment variable ${a.name} is not set.`,
    hint: (a: { name: string }) => `Export it before running dpf (export ${a.name}=...), or give a default: {{env "${a.name}" "default"}}.`,
  },
  UnknownAdapter: {
    code: 'DPF304',
    title: 'Unknown adapter type',
    message: (a: { type: string; available: string[] }) => `Adapter type "${a.type}" is not known (available: ${a.available.join(', ')}).`,
    hint: 'Set type: duckdb in the target in profiles.yml.',
  },
  ConnectionFailed: {
    code: 'DPF305',
    title: 'Cannot connect',
    message: (a: { adapter: string; detail: string }) => `Could not connect to ${a.adapter}: ${a.detail}`,
    hint: 'Check the target in profiles.yml: for Trino, host, port, http_scheme and user, and that the server runs (`dpf debug` tries it); for DuckDB, another process may hold the database file open.',
  },

  // ---- seeds (DPF4xx)
  SeedRaggedRow: {
    code: 'DPF400',
    title: 'Seed row has the wrong number of fields',
    message: (a: { expected: number; got: number }) => `This row has ${a.got} fields, but the header has ${a.expected}.`,
    hint: 'Quote values that contain commas ("Smith, John") and check for a missing or extra separator.',
  },
  SeedInvalid: {
    code: 'DPF401',
    title: 'Seed cannot be read',
    message: (a: { detail: string }) => `The CSV file cannot be read: ${a.detail}`,
    hint: 'Seeds are UTF-8 CSV files with a header row (RFC 4180 quoting).',
  },

  // ---- commands and selection (DPF5xx)
  SelectorInvalid: {
    code: 'DPF500',
    title: 'Invalid selector',
    message: (a: { selector: string; detail: string }) => `The selector "${a.selector}" ${a.detail}.`,
    hint: 'Examples: stg_orders, +fct_orders, stg_orders+, tag:finance, path:models/marts, config.materialized:table, "tag:a,path:models/x".',
  },
  NodeNotFound: {
    code: 'DPF501',
    title: 'Nothing by that name',
    message: (a: { name: string; suggestion?: string }) => `No model, seed or source named "${a.name}".${didYouMean(a.suggestion)}`,
    hint: 'List what exists with `dpf ls`.',
  },
  StateMissing: {
    code: 'DPF504',
    title: 'No state to compare with',
    message: (a: { dir: string; need: string }) => `${a.need} needs the artifacts of another run, and ${a.dir} has no manifest.json.`,
    hint: 'Pass --state <folder> with the target/ of the run to compare with (for example the artifacts of the last production build).',
  },
  StateIncompatible: {
    code: 'DPF505',
    title: 'State from another dpf version',
    message: (a: { dir: string; version: string; writtenBy: string; current: string; readable: string }) =>
      `${a.dir}/manifest.json was written by ${a.writtenBy} with manifest schema ${a.version}; this dpf (${a.current}) reads ${a.readable}.`,
    hint: 'Produce the state again with this version of dpf (dpf compile in that environment writes target/manifest.json), or run this command with the dpf version that wrote it.',
  },
  NoLastRun: {
    code: 'DPF506',
    title: 'No run to retry',
    message: (a: { file: string }) => `dpf retry reruns what failed in the last run, and there is no ${a.file} yet.`,
    hint: 'Run dpf build (or run, seed, snapshot, test) first; dpf retry then reruns its failed and skipped nodes.',
  },
  ArtifactDamaged: {
    code: 'DPF509',
    title: 'Artifact damaged',
    message: (a: { need: string; detail: string }) => `${a.need} needs this file, and it cannot be read: ${a.detail}.`,
    hint: (a: { todo: string }) => a.todo,
  },
  ArtifactIgnored: {
    code: 'DPF510',
    title: 'Damaged artifact ignored',
    message: (a: { detail: string; instead: string }) => `This file cannot be read (${a.detail}); dpf ${a.instead} instead.`,
    hint: 'Nothing to do: dpf writes the file again. It was damaged outside dpf (dpf writes every file under target/ whole or not at all).',
  },
  ListenerFailed: {
    code: 'DPF511',
    title: 'Event listener failed',
    message: (a: { detail: string }) => `A listener of this run's events threw (reported once; the run goes on): ${a.detail}`,
    hint: 'The run itself goes on. Fix the onEvent function passed to the dpf API (a listener must not throw).',
  },
  HistoryWriteFailed: {
    code: 'DPF513',
    title: 'Run history not written',
    message: (a: { where: string; detail: string }) =>
      `This run's history could not be written to ${a.where} (the run itself is unaffected, and its results are in target/run_results.json): ${a.detail}`,
    hint: "Check that the target's user may create and write tables in the dpf_meta schema, and that dpf_meta's history tables have the columns docs/history.md lists: drop one that dpf did not create, and the next run creates it again.",
  },
  SiteMissing: {
    code: 'DPF507',
    title: 'No catalog site yet',
    message: (a: { dir: string }) => `There is no generated site to serve in ${a.dir}.`,
    hint: 'Run `dpf docs generate` first (with --empty-catalog it does not read the warehouse).',
  },
  ServeFailed: {
    code: 'DPF508',
    title: 'Cannot serve the site',
    message: (a: { address: string; detail: string }) => `Could not listen on ${a.address}: ${a.detail}`,
    hint: 'Another program may be using that port: pass --port <number>, or --port 0 to pick a free one.',
  },
  InitTargetExists: {
    code: 'DPF502',
    title: 'Folder exists',
    message: (a: { dir: string }) => `${a.dir} already exists and is not empty.`,
    hint: 'Choose a new project name, or remove the folder first.',
  },
  UsageError: {
    code: 'DPF503',
    title: 'Invalid command line',
    message: (a: { detail: string }) => a.detail,
    hint: 'Run `dpf <command> --help` for the options and an example.',
  },
  UnknownCommand: {
    code: 'DPF512',
    title: 'Unknown command',
    message: (a: { command: string; parent: string; suggestion?: string }) => `"${a.command}" is not a command of ${a.parent}.${didYouMean(a.suggestion)}`,
    hint: (a: { parent: string; commands: string[] }) => `The commands: ${a.commands.join(', ')}. \`${a.parent} --help\` describes them.`,
  },

  // ---- execution (DPF6xx)
  SqlError: {
    code: 'DPF600',
    title: 'Database error',
    message: (a: { engine: string; detail: string }) => `${a.engine} rejected the SQL: ${a.detail}`,
    hint: (a: { runPath: string }) => `The statement that ran is in ${a.runPath}; fix the model's SQL and run again.`,
  },
  TestSqlError: {
    code: 'DPF602',
    title: 'Test query failed',
    message: (a: { engine: string; detail: string }) => `${a.engine} rejected the test's SQL: ${a.detail}`,
    hint: (a: { runPath: string }) =>
      `Check the column and model names the test uses where it is declared (above); the statement that ran is in ${a.runPath}.`,
  },
  UniqueKeyMissing: {
    code: 'DPF603',
    title: 'unique_key is not a column',
    message: (a: { key: string; columns: string[] }) => `unique_key "${a.key}" is not a column of the model's result (it has: ${a.columns.join(', ')}).`,
    hint: 'Fix unique_key in the model\'s config, or select that column in the model.',
  },
  DuplicateKeys: {
    code: 'DPF604',
    title: 'Duplicate unique keys',
    message: (a: { keys: string; strategy: string }) => `The new rows repeat unique_key values, so ${a.strategy} would insert duplicates: ${a.keys}.`,
    hint: 'Make the model return one row per unique_key (deduplicate in its SQL), or fix unique_key. The table was left as it was.',
  },
  SchemaChanged: {
    code: 'DPF605',
    title: 'Columns changed',
    message: (a: { added: string[]; removed: string[] }) =>
      `The model's columns changed (added: ${a.added.join(', ') || 'none'}; removed: ${a.removed.join(', ') || 'none'}) and on_schema_change is fail.`,
    hint: 'Rebuild it with --full-refresh, or set on_schema_change to append_new_columns or sync_all_columns.',
  },
  BatchesFailed: {
    code: 'DPF606',
    title: 'Batches failed',
    message: (a: { failed: string; total: number; detail: string }) => `${a.failed} of ${a.total} batches failed: ${a.detail}`,
    hint: (a: { retry: string }) => `The other batches are built. Fix the cause, then rebuild the failed range: ${a.retry}`,
  },
  DiskFull: {
    code: 'DPF607',
    title: 'Disk full',
    message: (a: { what: string; detail: string }) => `${a.what} could not be written: the disk is full (${a.detail}).`,
    hint: 'Free space on that disk and run again. What this run could not finish was left as it was before: tables are replaced only once built, and files under target/ only once written whole.',
  },
  MultipleStatements: {
    code: 'DPF608',
    title: 'More than one statement',
    message: (a: { engine: string; excerpt: string }) =>
      `The SQL holds more than one statement, and dpf sends ${a.engine} exactly one at a time, so none of it ran. The second begins: ${a.excerpt}`,
    hint: 'A value rendered into the SQL may have closed a string literal: write {{literal (var "name")}} rather than \'{{var "name"}}\' (docs/templates.md says which helpers quote). Otherwise remove the ";" between the statements.',
  },
  AppendFailed: {
    code: 'DPF609',
    title: 'Rows could not be appended',
    message: (a: { relation: string; detail: string }) => `Appending rows to ${a.relation} failed: ${a.detail}`,
    hint: "Check the value in the data the rows came from (a seed's CSV, an extract's response), or the column's type (a seed's column_types). Rows are appended to a staging table, so the table the name points at is as it was.",
  },
  // ---- resources and cost (DPF740–DPF759)
  InvalidCostRate: {
    code: 'DPF740',
    title: 'Invalid cost rate',
    message: (a: { key: string; value: string }) => `The cost rate "${a.key}" must be a number of money units at least 0, got "${a.value}".`,
    hint: 'Write the rate as a plain number in the target\'s cost: block of profiles.yml, for example `cost: {per_cpu_hour: 0.05, per_tb_scanned: 5, per_gb_month: 0.023}` (docs/cost.md).',
  },
  // ---- monitors (DPF700–DPF719)
  MonitoredRelationMissing: {
    code: 'DPF700',
    title: 'Monitored relation missing',
    message: (a: { monitor: string; relation: string }) => `${a.monitor} watches ${a.relation}, which does not exist in the warehouse: there is nothing to measure.`,
    hint: (a: { node: string }) =>
      `Build it first (dpf build --select ${a.node}); for a source, load it. A source that is not there yet can have its monitor turned off: monitors: off under the project or the node (docs/monitors.md).`,
  },
  QueryFailed: {
    code: 'DPF601',
    title: 'Query failed',
    message: (a: { engine: string; detail: string }) => `${a.engine} rejected the query: ${a.detail}`,
    hint: 'Check the SQL; refs are resolved as in models.',
  },

  // ---- alerts (DPF72x; docs/alerts.md)
  AlertConfigInvalid: {
    code: 'DPF720',
    title: 'Invalid alerts config',
    message: (a: { detail: string }) => `The alerts: block of dpf_project.yml ${a.detail}.`,
    hint: (a: { todo: string }) => a.todo,
  },
  AlertChannelDisabled: {
    code: 'DPF721',
    title: 'Alert channel not configured here',
    message: (a: { channel: string; detail: string }) => `Alert channel "${a.channel}" sends nothing in this run: ${a.detail}.`,
    hint: 'Set the environment variable where alerts should be sent (in CI or on the scheduler\'s machine); a run without it builds as usual.',
  },
  AlertSendFailed: {
    code: 'DPF722',
    title: 'Alert not sent',
    message: (a: { channel: string; count: number; detail: string }) =>
      `Alert channel "${a.channel}" could not send ${a.count} message(s) (the run itself is unaffected; a later run sends them again while the problem lasts): ${a.detail}`,
    hint: 'Check the channel with `dpf alerts test`: the webhook URL or SMTP server, its credentials, and that this machine may reach it.',
  },
  AlertsHeld: {
    code: 'DPF723',
    title: 'Alerts held by the rate limit',
    message: (a: { channel: string; count: number; limit: string }) =>
      `${a.count} message(s) for alert channel "${a.channel}" were held back by its rate limit (${a.limit}); a later run sends them if the problem is still there.`,
    hint: 'Nothing to do if the burst was expected; otherwise raise alerts.rate_limit in dpf_project.yml. Every problem is in dpf_meta.node_runs and dpf_meta.alerts (status held).',
  },
  AlertStateUnreadable: {
    code: 'DPF724',
    title: 'Alert state not read',
    message: (a: { detail: string }) => `dpf_meta.alerts could not be read, so alerts already sent may be sent again: ${a.detail}`,
    hint: "Check that the target's user may read dpf_meta.alerts and that it has the columns docs/history.md lists; drop it if dpf did not create it, and the next run creates it again.",
  },

  // ---- plugins (DPF80x; docs/plugins.md)
  PluginNotFound: {
    code: 'DPF800',
    title: 'Unknown plugin',
    message: (a: { plugin: string; suggestion?: string }) => `No plugin is named "${a.plugin}".${didYouMean(a.suggestion)}`,
    hint: (a: { found: string[] }) =>
      a.found.length > 0 ? `The project's plugins: ${a.found.join(', ')} (plugins/<name>.ts or .js).` : 'The project has no plugins: add plugins/<name>.ts exporting defineSource({...}) (docs/plugins.md).',
  },
  ExtractFailed: {
    code: 'DPF803',
    title: 'Extract failed',
    message: (a: { plugin: string; source: string; detail: string }) => `The plugin "${a.plugin}" failed while landing ${a.source}: ${a.detail}`,
    hint: 'The table keeps the rows of its last extract. Fix the cause (the plugin file, its config, the system it reads) and build again; dpf build -s source:<name> runs the extract alone.',
  },
  ExtractTimedOut: {
    code: 'DPF804',
    title: 'Extract timed out',
    message: (a: { plugin: string; source: string; seconds: number }) => `The plugin "${a.plugin}" did not finish landing ${a.source} in ${a.seconds} s: it was stopped.`,
    hint: 'The table keeps the rows of its last extract. Raise timeout_seconds under extract: if the source is that slow; a plugin should stop when ctx.signal is aborted.',
  },
  ExtractBadRows: {
    code: 'DPF805',
    title: 'Rows of the wrong shape',
    message: (a: { plugin: string; detail: string }) => `The plugin "${a.plugin}" gave rows dpf cannot land: ${a.detail}`,
    hint: 'A batch is a list of rows; a row is a list of values in the order of the plugin\'s columns, or an object with a key per column (docs/plugins.md).',
  },
  ExtractColumnsChanged: {
    code: 'DPF806',
    title: 'Extract columns changed',
    message: (a: { source: string; write: string; added: string[]; removed: string[] }) =>
      `The plugin's columns for ${a.source} are no longer the table's (added: ${a.added.join(', ') || 'none'}; removed: ${a.removed.join(', ') || 'none'}), so write: ${a.write} cannot add its rows.`,
    hint: (a: { source: string }) => `Land the table again from the start: dpf build --full-refresh -s source:${a.source} (the cursor starts over). The table was left as it was.`,
  },
  ExportFailed: {
    code: 'DPF807',
    title: 'Export failed',
    message: (a: { plugin: string; export: string; detail: string }) => `The sink "${a.plugin}" failed delivering export ${a.export}: ${a.detail}`,
    hint: (a: { export: string }) => `Fix the cause (the sink file, its config, the system it writes to) and deliver it again alone: dpf build -s export:${a.export}.`,
  },
  ExportTimedOut: {
    code: 'DPF808',
    title: 'Export timed out',
    message: (a: { plugin: string; export: string; seconds: number }) => `The sink "${a.plugin}" did not finish export ${a.export} in ${a.seconds} s: it was stopped.`,
    hint: 'Raise timeout_seconds on the exports: entry if the destination is that slow; a sink should stop when ctx.signal is aborted.',
  },
  ExtractColumnsFailed: {
    code: 'DPF810',
    title: 'Columns not known',
    message: (a: { plugin: string; source: string; detail: string }) => `The plugin "${a.plugin}" could not tell the columns of ${a.source}: ${a.detail}`,
    hint: 'Fix what the message names (a path that matches no file, a file that cannot be read), or declare the columns in the extract: block where the plugin takes them (columns: {id: integer, name: text}; docs/plugins.md).',
  },
  PluginLoadFailed: {
    code: 'DPF801',
    title: 'Plugin not loaded',
    message: (a: { plugin: string; detail: string }) => `The plugin "${a.plugin}" could not be loaded: ${a.detail}`,
    hint: 'Fix the file (a syntax error, an import that does not resolve, code at its top level that throws); a plugin imports defineSource from "dpf" and exports its result as default (docs/plugins.md).',
  },
  PluginInvalid: {
    code: 'DPF802',
    title: 'Not a plugin',
    message: (a: { plugin: string; problem: string; kind?: 'handler' | 'condition' }) => `The plugin "${a.plugin}" cannot be used: ${a.problem}.`,
    hint: (a: { kind?: 'handler' | 'condition' }) =>
      a.kind === 'handler'
        ? 'A handler is a named export of a plugins/ file: export function onNodeError(ctx) {...}, onNodeSuccess(ctx), onRunEnd(ctx) (docs/pipelines.md#handlers).'
        : a.kind === 'condition'
          ? 'A condition plugin is `export default defineCondition({ config: {type: "object", properties: {...}}, check(config, ctx) {...} })` (docs/pipelines.md#run_if).'
          : 'A source plugin is `export default defineSource({ config: {type: "object", properties: {...}}, columns: [...], extract(config, ctx) {...} })` (docs/plugins.md).',
  },

  // ---- TypeScript models (DPF82x; docs/typescript-models.md)
  TransformLoadFailed: {
    code: 'DPF820',
    title: 'TypeScript model not loaded',
    message: (a: { model: string; detail: string }) => `The TypeScript model "${a.model}" could not be loaded: ${a.detail}`,
    hint: 'Fix the file (a syntax error, an import that does not resolve, code at its top level that throws); a TypeScript model imports defineTransform from "dpf" and exports its result as default (docs/typescript-models.md).',
  },
  TransformInvalid: {
    code: 'DPF821',
    title: 'Not a TypeScript model',
    message: (a: { model: string; problem: string }) => `The TypeScript model "${a.model}" cannot be used: ${a.problem}.`,
    hint: "Every .ts file under models/ is a model: `export default defineTransform({ refs: [...], columns: [{ name, type }], async *transform(inputs, ctx) {...} })`; keep helpers it imports outside models/ (docs/typescript-models.md).",
  },
  TransformFailed: {
    code: 'DPF822',
    title: 'TypeScript model failed',
    message: (a: { model: string; detail: string }) => `The TypeScript model "${a.model}" failed: ${a.detail}`,
    hint: 'Its table keeps the rows of its last build and what reads it is skipped. Fix the cause and build again: dpf build -s <name>.',
  },
  TransformTimedOut: {
    code: 'DPF823',
    title: 'TypeScript model timed out',
    message: (a: { model: string; seconds: number }) => `The TypeScript model "${a.model}" did not finish in ${a.seconds} s: it was stopped.`,
    hint: 'Its table keeps the rows of its last build. Raise timeout_seconds in its config if it is that slow; a transform should stop when ctx.signal is aborted.',
  },
  TransformBadRows: {
    code: 'DPF824',
    title: 'TypeScript model rows of the wrong shape',
    message: (a: { model: string; detail: string }) => `The TypeScript model "${a.model}" gave rows dpf cannot land: ${a.detail}`,
    hint: "A batch is a list of rows; a row is an object with a key per declared column (a missing key is NULL), or a list of values in the columns' order (docs/typescript-models.md).",
  },

  // ---- conditions and handlers (DPF83x; docs/pipelines.md)
  RunIfInvalid: {
    code: 'DPF830',
    title: 'run_if is not a query',
    message: (a: { node: string; detail: string }) => `The run_if of ${a.node} cannot be run: ${a.detail}.`,
    hint: 'run_if is one read-only query returning one row with one boolean, e.g. run_if: "select count(*) > 0 from {{ref \'stg_orders\'}}", or {plugin: <name>} naming a condition plugin (docs/pipelines.md#run_if).',
  },
  RunIfNotBoolean: {
    code: 'DPF831',
    title: 'run_if did not answer true or false',
    message: (a: { node: string; detail: string }) => `The run_if of ${a.node} must give exactly one row with one boolean; it gave ${a.detail}.`,
    hint: 'Make the query answer one boolean, e.g. select count(*) > 0 from ... (a count alone is a number: compare it). The step did not run, and what reads it is skipped.',
  },
  RunIfFailed: {
    code: 'DPF832',
    title: 'run_if failed',
    message: (a: { node: string; detail: string }) => `The run_if of ${a.node} failed: ${a.detail}`,
    hint: 'Fix the query or the condition plugin (a relation it reads that does not exist yet, a plugin that throws or runs past its time); the step did not run, and what reads it is skipped.',
  },
  HandlerFailed: {
    code: 'DPF833',
    title: 'Handler failed',
    message: (a: { plugin: string; handler: string; detail: string }) => `The handler ${a.handler} of plugin "${a.plugin}" failed, and was ignored: ${a.detail}`,
    hint: 'The node keeps the outcome it had without the handler. Fix the handler (docs/pipelines.md#handlers): it must answer within its time (30 s), and onNodeError must answer retry, skip or fail.',
  },

  // ---- pipelines and schedules (DPF90x; docs/scheduling.md)
  InvalidCron: {
    code: 'DPF900',
    title: 'Invalid cron expression',
    message: (a: { pipeline: string; cron: string; detail: string }) => `The schedule of pipeline "${a.pipeline}" has the cron "${a.cron}", which cannot be read: ${a.detail}.`,
    hint: 'Write 5 fields, minute hour day-of-month month day-of-week (e.g. "0 6 * * *" for 06:00 every day, "15 * * * *" for a quarter past every hour), or @hourly, @daily, @weekly.',
  },
  UnknownTimezone: {
    code: 'DPF901',
    title: 'Unknown time zone',
    message: (a: { where: string; timezone: string; suggestion?: string }) => `${a.where} names the time zone "${a.timezone}", which this machine does not know.${didYouMean(a.suggestion)}`,
    hint: 'Use an IANA time zone name such as UTC, Europe/Berlin or America/New_York.',
  },
  UnknownPipeline: {
    code: 'DPF902',
    title: 'No pipeline by that name',
    message: (a: { name: string; where: string; suggestion?: string }) => `${a.where} names the pipeline "${a.name}", which does not exist.${didYouMean(a.suggestion)}`,
    hint: (a: { known: string[] }) => (a.known.length > 0 ? `The pipelines are: ${a.known.join(', ')} (dpf pipeline ls).` : 'The project has no pipelines: add one as pipelines/<name>.yml (docs/scheduling.md).'),
  },
  PipelineCycle: {
    code: 'DPF903',
    title: 'Pipelines wait for each other',
    message: (a: { path: string[] }) => `The after: lists of these pipelines form a cycle, so none of them would ever run: ${a.path.join(' → ')}.`,
    hint: 'Remove one pipeline from the after: list of another to break the cycle.',
  },
  PipelineSelectsNothing: {
    code: 'DPF904',
    title: 'Pipeline selects nothing',
    message: (a: { pipeline: string; selection: string }) => `Pipeline "${a.pipeline}" selects no node (${a.selection}): its runs would build nothing.`,
    hint: 'Check its select: and exclude: against `dpf ls --select ...`; a misspelt name selects nothing.',
  },
  SchedulerStoreUnavailable: {
    code: 'DPF905',
    title: 'Scheduler store unavailable',
    message: (a: { store: string; detail: string }) => `The scheduler's store (${a.store}) cannot be used: ${a.detail}.`,
    hint: (a: { hint: string }) => a.hint,
  },
  SchedulerStoreUrlMissing: {
    code: 'DPF906',
    title: 'Scheduler store connection string not set',
    message: (a: { variable: string }) => `scheduler.store is postgres, but the environment variable ${a.variable} (scheduler.url_env) is not set.`,
    hint: (a: { variable: string }) => `Set ${a.variable} to postgres://user:password@host:5432/database in the scheduler's environment (a systemd EnvironmentFile, a container secret); docs/scheduling.md#the-scheduler.`,
  },
  UnknownNotifyChannel: {
    code: 'DPF908',
    title: 'Unknown alert channel',
    message: (a: { pipeline: string; channel: string; suggestion?: string }) => `Pipeline "${a.pipeline}" notifies "${a.channel}", which dpf_project.yml's alerts.channels does not declare.${didYouMean(a.suggestion)}`,
    hint: (a: { known: string[] }) => (a.known.length > 0 ? `Channels: ${a.known.join(', ')}.` : 'Declare the channel under alerts: channels: in dpf_project.yml (docs/alerts.md).'),
  },
  UnknownPipelinePool: {
    code: 'DPF907',
    title: 'Unknown pool',
    message: (a: { pipeline: string; pool: string; suggestion?: string }) => `Pipeline "${a.pipeline}" runs in pool "${a.pool}", which dpf_project.yml's pools: does not declare.${didYouMean(a.suggestion)}`,
    hint: (a: { pool: string }) => `Declare it with its size, e.g. pools: {${a.pool}: 1}, or remove pool: from the pipeline.`,
  },

  // ---- the Airflow export (DPF910–914; docs/scheduling.md#on-apache-airflow)
  AirflowGroupByUnknown: {
    code: 'DPF910',
    title: 'Unknown --group-by',
    message: (a: { value: string; suggestion?: string }) => `dpf export airflow --group-by "${a.value}" is not a way to group tasks.${didYouMean(a.suggestion)}`,
    hint: 'Use --group-by node (one task per node, the default), path (one per folder) or tag (one per first tag).',
  },
  AirflowOutNotWritable: {
    code: 'DPF911',
    title: 'Cannot write the DAG folder',
    message: (a: { dir: string; detail: string }) => `dpf export airflow cannot write its DAG files into ${a.dir}: ${a.detail}.`,
    hint: "Pass --out a folder you can write (it is created when missing), such as Airflow's dags/ folder or a folder synced to it.",
  },
  AirflowPipelineRunsNothing: {
    code: 'DPF912',
    title: 'Pipeline runs nothing',
    message: (a: { pipeline: string; selection: string }) => `Pipeline "${a.pipeline}" selects nothing that dpf build runs (${a.selection}), so its Airflow DAG would have no task.`,
    hint: 'Check its select: and exclude: against `dpf ls --select ...`: a misspelt name selects nothing, and sources without extract: and ephemeral models run nothing of their own.',
  },
  AirflowGroupCycle: {
    code: 'DPF913',
    title: 'Task groups wait for each other',
    message: (a: { pipeline: string; path: string[] }) => `Grouped this way, the tasks of pipeline "${a.pipeline}" would wait for each other in a cycle: ${a.path.join(' → ')} (a node of one group reads a node of the next).`,
    hint: 'Export with --group-by node (one task per node never forms a cycle), or move the models so that folders or first tags follow the DAG.',
  },
  AirflowCronUnsupported: {
    code: 'DPF914',
    title: 'Schedule Airflow cannot read',
    message: (a: { pipeline: string; cron: string; detail: string }) => `The schedule of pipeline "${a.pipeline}" has the cron "${a.cron}", which Airflow cannot run: ${a.detail}.`,
    hint: 'Airflow schedules to the minute with 5-field crons (and @hourly, @daily, @weekly, @monthly, @yearly): drop the seconds field, or keep this pipeline on `dpf schedule`.',
  },

  // ---- the PII scanner (DPF940–949; docs/governance.md#pii-scanner). Messages name columns and counts, never a value.
  PiiSampleInvalid: {
    code: 'DPF940',
    title: 'Invalid sample size',
    message: (a: { value: string }) => `dpf scan pii --sample must be a whole number above 0, got "${a.value}".`,
    hint: 'Pass the rows to read per relation, e.g. --sample 1000 (the default); more rows find rarer PII and cost a longer read.',
  },
  PiiRelationMissing: {
    code: 'DPF941',
    title: 'Relation not in the target',
    message: (a: { relations: string[]; target: string }) =>
      `${a.relations.length === 1 ? `The relation of ${a.relations[0]} does not` : `The relations of ${a.relations.length} selected nodes do not`} exist in target "${a.target}", so ${a.relations.length === 1 ? 'it was' : 'they were'} not scanned${a.relations.length === 1 ? '' : `: ${a.relations.slice(0, 10).join(', ')}${a.relations.length > 10 ? `, and ${a.relations.length - 10} more` : ''}`}.`,
    hint: (a: { command: string }) => a.command,
  },
  PiiUnclassified: {
    code: 'DPF942',
    title: 'Unclassified PII',
    message: (a: { column: string; kind: string; name: string; category: string; confidence: number; matched: number; sampled: number }) =>
      `Column "${a.column}" of ${a.kind} "${a.name}" looks like ${a.category} (confidence ${a.confidence.toFixed(2)}: ${a.matched} of ${a.sampled} sampled values match), and its YAML does not classify it.`,
    hint: (a: { column: string; pii: string }) => `Classify it: under the column "${a.column}" write pii: ${a.pii} (or meta: {pii: ${a.pii}}). If it holds no personal data, write pii: false to say so.`,
  },
  PiiMismatch: {
    code: 'DPF943',
    title: 'PII classified as another category',
    message: (a: { column: string; kind: string; name: string; category: string; classifiedAs: string; inheritedFrom: string | null; confidence: number; matched: number; sampled: number }) =>
      `Column "${a.column}" of ${a.kind} "${a.name}" is classified as pii: ${a.classifiedAs}${a.inheritedFrom ? ` (over column lineage from ${a.inheritedFrom})` : ''}, but looks like ${a.category} (confidence ${a.confidence.toFixed(2)}: ${a.matched} of ${a.sampled} sampled values match).`,
    hint: (a: { pii: string }) => `Check the column: if the scanner is right, classify it as meta: {pii: ${a.pii}}; masking and access rules follow the category.`,
  },
  PiiRelationUnreadable: {
    code: 'DPF944',
    title: 'Relation could not be sampled',
    message: (a: { kind: string; name: string; relation: string; detail: string }) => `Reading a sample of the ${a.kind} "${a.name}" (${a.relation}) failed, so it was not scanned: ${a.detail}`,
    hint: 'Quoted values in the engine\'s message are left out, as they may be data: run the same read yourself (`dpf show --inline "select * from <relation> limit 10"`) to see all of it.',
  },
  PiiNothingToScan: {
    code: 'DPF945',
    title: 'Nothing to scan',
    message: (a: { selection: string }) => `The selection (${a.selection}) holds no model, seed, snapshot or source with a relation to scan.`,
    hint: 'Check it with `dpf ls --select ...`: tests, exports and ephemeral models have no relation of their own.',
  },
  PiiUnknownPhoneRegion: {
    code: 'DPF946',
    title: 'Unknown phone region',
    message: (a: { value: string }) => `dpf scan pii --phone-region "${a.value}" is not a region libphonenumber knows.`,
    hint: 'Pass an ISO 3166 two-letter region code such as US, GB, DE or FR: numbers written without a +country code are read as numbers of that region.',
  },
  PiiHistoryNotWritten: {
    code: 'DPF947',
    title: 'PII findings not recorded',
    message: (a: { detail: string }) => `The findings could not be recorded in dpf_meta.pii_findings, so new and resolved findings are not reported and the catalog shows the previous scan (the findings are in target/pii_findings.json): ${a.detail}`,
    hint: "Check that the target's user may create and write tables in the dpf_meta schema; or pass --no-history to scan without recording.",
  },

  // ---- governance: classification (DPF96x; docs/governance.md)
  UnknownClassification: {
    code: 'DPF960',
    title: 'Unknown classification',
    message: (a: { name: string; where: string; suggestion?: string }) => `"${a.name}" in ${a.where} is not a level or a kind of personal data in classifications.yml.${didYouMean(a.suggestion)}`,
    hint: (a: { known: string[] }) => `Known: ${a.known.join(', ')}. Legal adds new ones to classifications.yml (docs/governance.md).`,
  },
  PublicModelExposesPii: {
    code: 'DPF961',
    title: 'Public model exposes personal data',
    message: (a: { model: string; column: string; pii: string; path: string }) =>
      `Model "${a.model}" is access: public, but its column "${a.column}" is personal data (${a.pii}) through column lineage: ${a.path}.`,
    hint: (a: { model: string; column: string }) =>
      `Drop or mask the column, make the model access: protected, or, if it no longer identifies anyone (an aggregate, a salted hash), declassify it in ${a.model}'s YAML: declassify: [{column: ${a.column}, reason: "…"}].`,
  },
  DeclassifyUnknownColumn: {
    code: 'DPF962',
    title: 'Declassify names no column',
    message: (a: { model: string; column: string; suggestion?: string }) => `Model "${a.model}" declassifies "${a.column}", which it has no column by.${didYouMean(a.suggestion)}`,
    hint: 'Name a column of the model as its SQL outputs it (dpf show shows them).',
  },

  MaskingWithoutClassifications: {
    code: 'DPF963',
    title: 'A masking target without classifications.yml',
    message: (a: { target: string; node: string }) =>
      `Target "${a.target}" has masking: true, and "${a.node}" has classified columns, but the project has no classifications.yml to say how they are masked; nothing is built unmasked instead.`,
    hint: 'Add classifications.yml with the kinds of personal data and their masking (docs/governance.md#classificationsyml), or remove masking: true from the target in profiles.yml.',
  },
  MaskedViewFailed: {
    code: 'DPF964',
    title: 'A masked view of a source could not be made',
    message: (a: { source: string; schema: string; detail: string }) =>
      `This masking target reads source ${a.source} through a masked view in schema ${a.schema}, and making it failed: ${a.detail}`,
    hint: 'Check that the source table exists and that this target may read it and create schema objects; a source an extract: lands is masked once it has landed (run it first: dpf build --select source:<name>).',
  },

  // ---- the security report (DPF950–959; docs/governance.md#audit-log-and-dpf-audit)
  AuditFailOnUnknown: {
    code: 'DPF950',
    title: 'Unknown --fail-on',
    message: (a: { value: string; suggestion?: string }) => `dpf audit --fail-on "${a.value}" is not a severity.${didYouMean(a.suggestion)}`,
    hint: 'Use low, medium or high (the default): dpf audit exits 1 when a finding is at or above it.',
  },
  AuditOutputUnknown: {
    code: 'DPF951',
    title: 'Unknown audit output',
    message: (a: { value: string }) => `dpf audit --output "${a.value}" is not a format.`,
    hint: 'Use --output text (the default) or --output json (one object, schemas/audit.schema.json).',
  },
  PiiFindingsUnreadable: {
    code: 'DPF952',
    title: 'PII findings not read',
    message: (a: { detail: string }) => `The PII scanner's findings cannot be read (${a.detail}); the security report goes on without them.`,
    hint: 'Run `dpf scan pii` again to write the file anew.',
  },
  AuditExposuresSkipped: {
    code: 'DPF953',
    title: 'Exposures not checked',
    message: (a: { detail: string }) => `dpf audit could not check what personal data the project exposes: ${a.detail}.`,
    hint: 'Fix what dpf compile reports, then run dpf audit again; the other checks ran.',
  },
  AuditEngineCheckSkipped: {
    code: 'DPF954',
    title: 'Engine check not run',
    message: (a: { check: string; detail: string }) => `dpf audit --warehouse could not check ${a.check}: ${a.detail}.`,
    hint: 'Fix what the message says (dpf grants check runs the same comparison alone); the other checks ran.',
  },
  AuditTimeNotRecorded: {
    code: 'DPF956',
    title: 'Audit report time not recorded',
    message: (a: { detail: string }) => `dpf audit --warehouse read the engine's query log but could not record when in dpf_meta.audit_log (${a.detail}); the next report will show these queries again.`,
    hint: "Check that the target's user may create and write the dpf_meta schema; the report itself is complete.",
  },
  BuildPiiScanFailed: {
    code: 'DPF955',
    title: 'PII scan after the build failed',
    message: (a: { detail: string }) => `dpf build --scan-pii built the relations, but the PII scan after it failed: ${a.detail}.`,
    hint: 'The build itself is complete; fix what the message says and run `dpf scan pii` on the built relations (its warnings say more).',
  },
  // ---- governance: access by role (DPF970–979; docs/governance.md#access-by-role)
  UnknownRole: {
    code: 'DPF970',
    title: 'Unknown role',
    message: (a: { name: string; where: string; suggestion?: string }) => `"${a.name}" in ${a.where} is not a role in roles.yml.${didYouMean(a.suggestion)}`,
    hint: (a: { known: string[] }) => (a.known.length > 0 ? `Roles: ${a.known.join(', ')}. Add the role to roles.yml, or fix the name.` : 'Declare roles in roles.yml at the project root (docs/governance.md#access-by-role).'),
  },
  RoleUnknownLevel: {
    code: 'DPF971',
    title: 'Unknown classification level',
    message: (a: { role: string; level: string; suggestion?: string }) => `Role "${a.role}" reads up to "${a.level}", which is not a level in classifications.yml.${didYouMean(a.suggestion)}`,
    hint: (a: { known: string[] }) => (a.known.length > 0 ? `Levels, lowest first: ${a.known.join(', ')}.` : 'The project has no classifications.yml: add one with its levels (docs/governance.md), or drop up_to.'),
  },
  RoleWithoutUsers: {
    code: 'DPF972',
    title: 'Role mapped to no user',
    message: (a: { role: string; engine: string }) => `Role "${a.role}" names no ${a.engine} user or group, so the ${a.engine} rules could not give it to anyone.`,
    hint: (a: { role: string; engine: string }) => `Add ${a.engine}: {users: [...], groups: [...]} to role "${a.role}" in roles.yml, or remove the role.`,
  },
  RolesFileMissing: {
    code: 'DPF973',
    title: 'No roles.yml',
    message: (a: { dir: string }) => `dpf grants needs roles.yml in ${a.dir}, and there is none.`,
    hint: 'Create roles.yml at the project root: each role with its engine users and what it may read (docs/governance.md#access-by-role).',
  },
  AccessControlFileUnset: {
    code: 'DPF974',
    title: 'Where the access rules go is not set',
    message: (a: { target: string }) => `Target "${a.target}" has no access_control_file:, so dpf does not know which rules file Trino reads.`,
    hint: "Set access_control_file: to the file Trino's etc/access-control.properties names as security.config-file (relative to the project), or pass --out <file>.",
  },
  RoleFilterUnknownModel: {
    code: 'DPF975',
    title: 'Row filter on something the role does not read',
    message: (a: { role: string; model: string; suggestion?: string }) => `Role "${a.role}" filters the rows of "${a.model}", which is not a model, seed or snapshot it may read.${didYouMean(a.suggestion)}`,
    hint: 'Name a model its read: select gives it (dpf ls --select ... lists them), or drop the filter.',
  },
  RoleSelectorInvalid: {
    code: 'DPF976',
    title: 'Invalid selector in roles.yml',
    message: (a: { role: string; detail: string }) => `Role "${a.role}" reads by a selector that does not work: ${a.detail}`,
    hint: 'Selectors are those of dpf --select (name, +name, tag:x, path:models/marts, config.materialized:table); try them with dpf ls --select.',
  },
  AccessRulesUnreadable: {
    code: 'DPF977',
    title: 'Cannot read the access rules',
    message: (a: { file: string; detail: string }) => `The access rules file ${a.file} cannot be read: ${a.detail}.`,
    hint: 'dpf grants apply writes it; if someone edited it by hand, run dpf grants apply again (dpf grants check lists what differs first).',
  },
  GrantsUnsupportedEngine: {
    code: 'DPF978',
    title: 'No access rules for this engine',
    message: (a: { engine: string }) => `dpf grants does not enforce roles on ${a.engine} targets.`,
    hint: 'Roles are enforced on Trino (file-based access control) and DuckDB (masked views per role): docs/governance.md#access-by-role.',
  },
  // ---- dpf import dbt (DPF980–989; docs/from-dbt.md#the-converter)
  NotADbtProject: {
    code: 'DPF980',
    title: 'Not a dbt project',
    message: (a: { dir: string }) => `There is no dbt_project.yml in ${a.dir}.`,
    hint: 'Pass the folder that holds dbt_project.yml: dpf import dbt path/to/dbt_project --out path/to/new_folder.',
  },
  ImportOutNotEmpty: {
    code: 'DPF981',
    title: 'The output folder is not empty',
    message: (a: { dir: string }) => `dpf import dbt writes a new project, and ${a.dir} already holds files.`,
    hint: 'Pass --out a folder that does not exist yet (or is empty); the dbt project itself is never changed.',
  },
  DbtYamlUnreadable: {
    code: 'DPF982',
    title: 'A dbt YAML file cannot be read',
    message: (a: { detail: string }) => `This YAML file of the dbt project cannot be read: ${a.detail}`,
    hint: 'dbt would refuse it too: fix the YAML (indentation, quoting), then run dpf import dbt again.',
  },
  ImportOutInsideProject: {
    code: 'DPF983',
    title: 'The output folder is inside the dbt project',
    message: (a: { out: string; dir: string }) => `--out ${a.out} is inside the dbt project ${a.dir}; the converted files would be read as part of it.`,
    hint: 'Pass --out a folder outside the dbt project, e.g. next to it: --out ../my_project_dpf.',
  },
  // ---- the Python client (python/, docs/python.md): raised there as dpf.DpfError with these codes
  PythonManifestMissing: {
    code: 'DPF996',
    title: 'No manifest to read',
    message: (a: { dir: string; detail?: string }) =>
      a.detail ? `target/manifest.json in ${a.dir} cannot be read: ${a.detail}.` : `There is no target/manifest.json in ${a.dir}: dpf has not compiled this project (or target/ was cleaned).`,
    hint: 'Run `dpf compile` (or `dpf build`) in the project folder, then connect again.',
  },
  PythonUnknownName: {
    code: 'DPF997',
    title: 'Unknown name',
    message: (a: { kind: string; name: string; owner: string; suggestion?: string }) => `${a.owner} has no ${a.kind} "${a.name}".${didYouMean(a.suggestion)}`,
    hint: 'client.models() lists the models, seeds and snapshots; roles come from roles.yml; formats are pandas, polars and arrow.',
  },
  PythonAccessRefused: {
    code: 'DPF998',
    title: 'Role may not read this',
    message: (a: { role: string; what: string }) => `Role "${a.role}" may not read ${a.what}.`,
    hint: 'Leave the columns out (client.table(name, columns=client.readable_columns(name))), connect with a role that reads them, or query the masked views `dpf grants apply` makes.',
  },
  PythonWarehouseFailed: {
    code: 'DPF999',
    title: 'Cannot read from the warehouse',
    message: (a: { detail: string }) => a.detail,
    hint: 'The message says which: build the project first (`dpf build`), wait for a build that holds the DuckDB file, fix the SQL, or check the Trino target in profiles.yml.',
  },

  // ---- project conventions: dpf lint, dpf codeowners (DPF990-995)
  LintRuleUnknown: {
    code: 'DPF990',
    title: 'Unknown lint rule',
    message: (a: { rule: string; suggestion?: string }) => `"${a.rule}" under lint: is not a rule dpf lint knows.${didYouMean(a.suggestion)}`,
    hint: (a: { known: string[] }) => `Rules: ${a.known.join(', ')}; each is off, warn or error, or a mapping with severity: (docs/lint.md).`,
  },
  LintExcludeMatchesNothing: {
    code: 'DPF991',
    title: 'Lint exclusion matches nothing',
    message: (a: { rule: string; entry: string; suggestion?: string }) => `The ${a.rule} rule excludes "${a.entry}", which is neither a model nor a folder of models.${didYouMean(a.suggestion)}`,
    hint: 'Name a model (dpf ls lists them) or a folder such as models/intermediate, or remove the entry.',
  },
  CodeownersHandleInvalid: {
    code: 'DPF992',
    title: 'Not a GitHub handle',
    message: (a: { value: string; owner: string }) => `"${a.value}" for owner "${a.owner}" is not a GitHub handle: CODEOWNERS takes @user, @org/team or an email address.`,
    hint: 'Write the handle with its @ (e.g. "@acme/analytics-engineering"), as GitHub shows it on the team page.',
  },
  OwnerWithoutHandle: {
    code: 'DPF993',
    title: 'Owner without a GitHub handle',
    message: (a: { owners: string[] }) => `${a.owners.length === 1 ? `Owner "${a.owners[0]}" is` : `Owners ${a.owners.map((o) => `"${o}"`).join(', ')} are`} not GitHub handles and codeowners: owners: in dpf_project.yml does not map ${a.owners.length === 1 ? 'it' : 'them'}, so CODEOWNERS names no reviewer for their files.`,
    hint: (a: { owners: string[] }) => `Map each under codeowners: owners: in dpf_project.yml, e.g. ${a.owners[0]}: "@your-org/${a.owners[0]}", or write owners as handles (meta: {owner: "@your-org/team"}).`,
  },
  CodeownersStale: {
    code: 'DPF994',
    title: 'CODEOWNERS is out of date',
    message: (a: { file: string; detail: string }) => `${a.file} is not what the model owners give: ${a.detail}.`,
    hint: 'Run `dpf codeowners` and commit .github/CODEOWNERS with the change that moved or re-owned the models.',
  },
} as const;

export type ErrorName = keyof typeof ERRORS;

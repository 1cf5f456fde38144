/**
 * The built-in postgres plugin against a real PostgreSQL (Debian's package, started for this file
 * by test/helpers/postgres-server.ts): the source's extract read through a server-side cursor, in
 * full and past a cursor, in many batches; a bad connection's message without the password; the
 * config's checks at compile time and a `dpf build` landing a table; the upsert writer's inserts,
 * updates and all-or-nothing transaction.
 */
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgresSource, { readPostgres, type PostgresSourceConfig } from '../src/plugins/builtin/postgres.js';
import { upsertRows } from '../src/plugins/builtin/support/postgres-upsert.js';
import type { ExtractContext, PluginColumn } from '../src/plugins/define-plugin.js';
import { compileSchema } from '../src/compiler/schema-validators.js';
import { postgresBin, startPostgres, type PostgresServer } from './helpers/postgres-server.js';
import { dpf, makeProject, REPO_ROOT } from './helpers/run-dpf.js';
import { queryDuckDB } from './helpers/query-duckdb.js';
import pg from 'pg';

let server: PostgresServer;
const PASSWORD_ENV = 'DPF_TEST_PG_PASSWORD';

beforeAll(async () => {
  server = await startPostgres();
  process.env[PASSWORD_ENV] = server.password;
  await server.admin.query(`create schema "Shop"`);
  await server.admin.query(
    `create table "Shop"."Order Lines" (id integer primary key, amount numeric(10,2), note text, day date, at timestamp, paid_at timestamptz, big bigint, ok boolean)`,
  );
  await server.admin.query(
    `insert into "Shop"."Order Lines" values
      (1, 10.50, 'first', '2024-01-02', '2024-01-02 03:04:05.123456', '2024-01-02 05:00:00+02', 9007199254740993, true),
      (2, null, 'it''s "quoted"', null, null, null, null, null),
      (3, 7, 'third', '2024-03-01', '2024-03-01 00:00:00', '2024-03-01 00:00:00+00', -1, false),
      (4, 8, 'fourth', '2024-04-01', '2024-04-01 12:00:00', '2024-04-01 12:00:00+00', 4, true)`,
  );
  await server.admin.query(`create table numbers as select g as id, 'n' || g as label from generate_series(1, 2500) as g`);
});

afterAll(async () => {
  delete process.env[PASSWORD_ENV];
  await server?.stop();
});

const connection = () => ({ host: server.host, port: server.port, user: server.user, database: server.database, password_env: PASSWORD_ENV });

function context(overrides: Partial<ExtractContext> = {}): ExtractContext {
  return { signal: new AbortController().signal, source: { name: 'pg', table: 't' }, projectDir: REPO_ROOT, env: process.env, fetch: globalThis.fetch, ...overrides };
}

async function batchesOf(config: PostgresSourceConfig, ctx = context()): Promise<unknown[][][]> {
  const out: unknown[][][] = [];
  for await (const batch of readPostgres(config, ctx)) out.push(batch);
  return out;
}

const lines = (): PostgresSourceConfig => ({
  connection: connection(),
  schema: 'Shop',
  table: 'Order Lines',
  // Declared in another order than the table's, and leaving out `amount`.
  columns: [
    { name: 'note', type: 'text' },
    { name: 'id', type: 'integer' },
    { name: 'day', type: 'date' },
    { name: 'at', type: 'timestamp' },
    { name: 'paid_at', type: 'timestamp' },
    { name: 'big', type: 'bigint' },
    { name: 'ok', type: 'boolean' },
  ],
});

describe('the test server helper', () => {
  it('finds Debian\'s binaries off the PATH, and fails saying what to install when there are none', () => {
    expect(postgresBin({ PATH: '/nonexistent' })).toMatch(/^\/usr\/lib\/postgresql\/\d+\/bin$/);
    expect(() => postgresBin({ PATH: '/nonexistent' }, '/nonexistent')).toThrow(
      /^PostgreSQL is not installed: .*Install Debian's package \(apt-get update && apt-get install -y postgresql; \.ci\/run does it\), or set DPF_PG_BIN/,
    );
    expect(() => postgresBin({ DPF_PG_BIN: '/nonexistent' })).toThrow('DPF_PG_BIN=/nonexistent holds no executable initdb');
  });
});

describe('the postgres source', () => {
  it('reads the declared columns of a quoted schema and table, in their order, with dates and timestamps as exact text', async () => {
    const batches = await batchesOf(lines());
    expect(batches).toHaveLength(1);
    const rows = batches[0]!.sort((a, b) => Number(a[1]) - Number(b[1]));
    expect(rows).toEqual([
      // timestamptz in UTC without its +00; bigint as its digits (past 2^53 exactly).
      ['first', 1, '2024-01-02', '2024-01-02 03:04:05.123456', '2024-01-02 03:00:00', '9007199254740993', true],
      ['it\'s "quoted"', 2, null, null, null, null, null],
      ['third', 3, '2024-03-01', '2024-03-01 00:00:00', '2024-03-01 00:00:00', '-1', false],
      ['fourth', 4, '2024-04-01', '2024-04-01 12:00:00', '2024-04-01 12:00:00', '4', true],
    ]);
  });

  it('reads past the cursor in the cursor field\'s order, the value as a parameter (> by default, >= with cursor_inclusive)', async () => {
    const past = await batchesOf(lines(), context({ cursor: { field: 'id', value: '2' } }));
    expect(past.flat().map((r) => r[1])).toEqual([3, 4]);
    const inclusive = await batchesOf({ ...lines(), cursor_inclusive: true }, context({ cursor: { field: 'id', value: '3' } }));
    expect(inclusive.flat().map((r) => r[1])).toEqual([3, 4]);
    // A timestamp cursor as the engine's text of the landed table's max (what dpf gives).
    const byTime = await batchesOf(lines(), context({ cursor: { field: 'at', value: '2024-03-01 00:00:00' } }));
    expect(byTime.flat().map((r) => r[1])).toEqual([4]);
    // A value that would be SQL if it were pasted into the text is only a value.
    const injected = await batchesOf(
      lines(),
      context({ cursor: { field: 'note', value: "z' or '1'='1" } }),
    );
    expect(injected.flat()).toEqual([]);
  });

  it('reads a query (a trailing semicolon is fine) past a cursor', async () => {
    const config: PostgresSourceConfig = {
      connection: connection(),
      query: 'select id, label, id * 2 as doubled from numbers where id <= 10;',
      columns: [{ name: 'doubled', type: 'integer' }, { name: 'label', type: 'text' }],
    };
    const rows = (await batchesOf(config, context({ cursor: { field: 'id', value: '7' } }))).flat();
    expect(rows).toEqual([[16, 'n8'], [18, 'n9'], [20, 'n10']]);
  });

  it('reads a large table in batches of fetch_size rows through a server-side cursor', async () => {
    const config: PostgresSourceConfig = {
      connection: connection(),
      table: 'numbers',
      columns: [{ name: 'id', type: 'integer' }, { name: 'label', type: 'text' }],
      fetch_size: 1000,
    };
    const batches: unknown[][][] = [];
    let openCursors = 0;
    for await (const batch of readPostgres(config, context({ cursor: { field: 'id', value: '0' } }))) {
      batches.push(batch);
      // Between reads the statement is still running on the server (its portal suspended): the
      // rows are not fetched at once.
      if (batches.length === 1) {
        const active = await server.admin.query(`select count(*)::int as n from pg_stat_activity where state = 'active' and query = 'select "id", "label" from "numbers" where "id" > $1 order by "id"'`);
        openCursors = active.rows[0].n;
      }
    }
    expect(batches.map((b) => b.length)).toEqual([1000, 1000, 500]);
    expect(batches.flat().map((r) => r[0])).toEqual(Array.from({ length: 2500 }, (_, i) => i + 1));
    expect(openCursors).toBe(1);
  });

  it('stops reading and closes its connection when the signal aborts', async () => {
    const abort = new AbortController();
    const config: PostgresSourceConfig = { connection: connection(), table: 'numbers', columns: [{ name: 'id', type: 'integer' }], fetch_size: 100 };
    let batches = 0;
    for await (const _ of readPostgres(config, context({ signal: abort.signal }))) {
      batches++;
      abort.abort();
    }
    expect(batches).toBe(1);
    // The server sees the socket close a moment later: wait for its backend to go (bounded).
    let left = -1;
    for (let i = 0; i < 100 && left !== 0; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 50));
      left = (await server.admin.query(`select count(*)::int as n from pg_stat_activity where query like 'select "id" from "numbers"%' and pid <> pg_backend_pid()`)).rows[0].n;
    }
    expect(left).toBe(0);
  });

  it('stops a read the server is still working on when the signal aborts', async () => {
    const abort = new AbortController();
    const config: PostgresSourceConfig = { connection: connection(), query: 'select 1 as id from pg_sleep(600)', columns: [{ name: 'id', type: 'integer' }] };
    const reading = batchesOf(config, context({ signal: abort.signal }));
    // Abort once the server is running the statement: the read ends without its ten minutes.
    for (let i = 0; i < 100; i++) {
      const running = await server.admin.query(`select count(*)::int as n from pg_stat_activity where state = 'active' and query like '%pg_sleep(600)%' and pid <> pg_backend_pid()`);
      if (running.rows[0].n === 1) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    abort.abort();
    expect(await reading).toEqual([]);
    // And the server stops the statement (client_connection_check_interval) instead of sleeping on.
    let left = -1;
    for (let i = 0; i < 100 && left !== 0; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 50));
      left = (await server.admin.query(`select count(*)::int as n from pg_stat_activity where query like '%pg_sleep(600)%' and pid <> pg_backend_pid()`)).rows[0].n;
    }
    expect(left).toBe(0);
  });

  it('names the server, never the password, when it cannot connect or log in', async () => {
    const config = (connection: PostgresSourceConfig['connection']): PostgresSourceConfig => ({ connection, table: 'numbers', columns: [{ name: 'id', type: 'integer' }] });
    process.env.DPF_TEST_PG_WRONG = 'wrong-secret-p4ss';
    try {
      const wrong = await batchesOf(config({ ...connection(), password_env: 'DPF_TEST_PG_WRONG' })).catch((e: Error) => e);
      expect(wrong).toBeInstanceOf(Error);
      expect((wrong as Error).message).toContain(`could not connect to 127.0.0.1:${server.port} database ${server.database} as user dpf`);
      expect((wrong as Error).message).toContain('password authentication failed');
      expect((wrong as Error).message).not.toContain('wrong-secret-p4ss');

      // A URL held by an environment variable may carry the password; it is not repeated either.
      const closed = await freePort();
      process.env.DPF_TEST_PG_URL = `postgres://dpf:wrong-secret-p4ss@127.0.0.1:${closed}/${server.database}`;
      const refused = await batchesOf(config({ url_env: 'DPF_TEST_PG_URL' })).catch((e: Error) => e);
      expect((refused as Error).message).toMatch(new RegExp(`could not connect to 127\\.0\\.0\\.1:${closed} .*ECONNREFUSED`));
      expect((refused as Error).message).not.toContain('wrong-secret-p4ss');

      const unset = await batchesOf(config({ ...connection(), password_env: 'DPF_TEST_PG_UNSET' })).catch((e: Error) => e);
      expect((unset as Error).message).toBe('postgres: the environment variable DPF_TEST_PG_UNSET (connection.password_env) is not set');
    } finally {
      delete process.env.DPF_TEST_PG_WRONG;
      delete process.env.DPF_TEST_PG_URL;
    }
  });

  it('reads the password from the run\'s environment (ctx.env), not from process.env', async () => {
    const own = { ...connection(), password_env: 'DPF_TEST_OWN_PG_PASSWORD' };
    expect(process.env.DPF_TEST_OWN_PG_PASSWORD).toBeUndefined();
    const rows = (await batchesOf({ ...lines(), connection: own }, context({ env: { DPF_TEST_OWN_PG_PASSWORD: server.password } }))).flat();
    expect(rows.length).toBeGreaterThan(0);
    await expect(batchesOf({ ...lines(), connection: own }, context({ env: {} }))).rejects.toThrow('the environment variable DPF_TEST_OWN_PG_PASSWORD (connection.password_env) is not set');
  });

  it('says which table could not be read', async () => {
    const error = await batchesOf({ connection: connection(), table: 'nope', columns: [{ name: 'id', type: 'integer' }] }).catch((e: Error) => e);
    expect((error as Error).message).toBe(`postgres: reading table "nope" on 127.0.0.1:${server.port} database ${server.database} as user dpf failed: relation "nope" does not exist`);
  });

  it('has a config schema that refuses a password in the YAML, and a table together with a query', () => {
    const validate = compileSchema({ ...postgresSource.config, additionalProperties: false });
    const columns = [{ name: 'id', type: 'integer' }];
    expect(validate({ connection: { url: 'postgres://dpf@db:5432/shop', password_env: 'PG' }, table: 't', columns })).toBe(true);
    expect(validate({ connection: { url: 'postgres://dpf:secret@db:5432/shop' }, table: 't', columns })).toBe(false);
    expect(validate({ connection: { host: 'db', password: 'secret' }, table: 't', columns })).toBe(false);
    expect(validate({ connection: { host: 'db' }, table: 't', query: 'select 1', columns })).toBe(false);
    expect(validate({ connection: { host: 'db' }, columns })).toBe(false);
    expect(validate({ connection: { host: 'db' }, table: 't', columns: [{ name: 'id', type: 'varchar' }] })).toBe(false);
  });
});

describe('the postgres source in a project (copied into plugins/)', () => {
  function project(extract: string): string {
    const dir = makeProject(
      {
        'models/sources.yml': `sources:\n  - name: pg\n    tables:\n      - name: numbers\n        extract:\n${extract}`,
        'models/total.sql': '{{config materialized="table"}}\nselect count(*) as n, sum(id) as total from {{source "pg" "numbers"}}\n',
      },
      'name: proj\nmonitors: off\n',
    );
    // Built-in discovery is another change: here the plugin is a project's file, importing dpf's
    // API by its public name and pg from this checkout's node_modules.
    mkdirSync(join(dir, 'plugins'));
    const source = readFileSync(join(REPO_ROOT, 'src/plugins/builtin/postgres.ts'), 'utf8').replace("'../define-plugin.js'", "'dpf'");
    writeFileSync(join(dir, 'plugins/postgres.ts'), source);
    // The sink's writer, which the file imports (a subfolder of plugins/ holds helpers, not plugins).
    mkdirSync(join(dir, 'plugins/support'));
    writeFileSync(join(dir, 'plugins/support/postgres-upsert.ts'), readFileSync(join(REPO_ROOT, 'src/plugins/builtin/support/postgres-upsert.ts'), 'utf8'));
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(dir, 'node_modules'));
    return dir;
  }
  const block = (lines: string[]) => lines.map((l) => `          ${l}\n`).join('');
  const good = () => [
    'plugin: postgres',
    `connection: {host: 127.0.0.1, port: ${server.port}, user: dpf, database: ${server.database}, password_env: ${PASSWORD_ENV}}`,
    'table: numbers',
    'fetch_size: 700',
    'columns: [{name: id, type: integer}, {name: label, type: text}]',
  ];

  it('lands the table with dpf build, and keeps the password out of target/', async () => {
    const dir = project(block(good()));
    const run = await dpf(['build'], { cwd: dir, env: { HOME: dir, [PASSWORD_ENV]: server.password } });
    expect(run.output).toMatch(/OK +extr +\S*pg\.numbers .*\[2,500 rows landed in/);
    expect(run.code).toBe(0);
    const [total] = await queryDuckDB(join(dir, 'target/dev.duckdb'), 'select n::int as n, total::int as total from main.total');
    expect(total).toEqual({ n: 2500, total: 2500 * 2501 / 2 });
    const manifest = JSON.parse(readFileSync(join(dir, 'target/manifest.json'), 'utf8'));
    expect(manifest.nodes['source.proj.pg.numbers'].extract.config.connection.password_env).toBe(PASSWORD_ENV);
    for (const file of readdirSync(join(dir, 'target'), { recursive: true, withFileTypes: true })) {
      if (file.isFile() && !file.name.endsWith('.duckdb') && !file.name.endsWith('.wal')) {
        expect(readFileSync(join(file.parentPath, file.name), 'utf8')).not.toContain(server.password);
      }
    }
  });

  it('reports a password in the YAML, at its line, before anything runs', async () => {
    const lines = good();
    lines[1] = `connection: {url: "postgres://dpf:hunter2@127.0.0.1:${server.port}/${server.database}"}`;
    lines.push('password: hunter2');
    const dir = project(block(lines));
    const run = await dpf(['compile'], { cwd: dir, env: { HOME: dir } });
    expect(run.code).toBe(2);
    expect(run.output).toMatch(/DPF103[\s\S]*\(connection\.url\): must be a URL without a password, postgres:\/\/user@host:port\/database \(the password comes from password_env\)/);
    expect(run.output).toMatch(/DPF102[\s\S]*password/);
    expect(run.output).toContain('models/sources.yml:7');
  });

  it('reports a block with both table and query, or neither, once each', async () => {
    const both = await dpf(['compile'], { cwd: project(block([...good(), 'query: select 1'])), env: {} });
    const neither = await dpf(['compile'], { cwd: project(block(good().filter((l) => !l.startsWith('table')))), env: {} });
    for (const run of [both, neither]) {
      expect(run.code).toBe(2);
      expect(run.output.match(/DPF103/g)).toHaveLength(1);
      expect(run.output).toContain('Invalid value at extract: of source pg.numbers: must be given either table: or query:, not both.');
    }
  });
});

describe('the postgres upsert writer', () => {
  const columns: PluginColumn[] = [
    { name: 'id', type: 'integer' },
    { name: 'Name', type: 'text' },
    { name: 'day', type: 'date' },
    { name: 'score', type: 'double' },
  ];
  const contents = async (table: string) =>
    (await server.admin.query(`select id, "Name", to_char(day, 'YYYY-MM-DD') as day, score from "Sink".${pg.escapeIdentifier(table)} order by id`)).rows.map((r) => [r.id, r.Name, r.day, r.score]);

  it('creates the schema and table, inserts, then updates existing keys and inserts new ones', async () => {
    const options = { schema: 'Sink', table: 'people', columns, uniqueKey: ['id'], batchRows: 2 };
    const first = await upsertRows(server.admin, options, [
      [[1, 'ann', '2024-01-01', 1.5], [2, 'bob', null, null]],
      [{ id: 3, Name: 'cy', day: new Date('2024-02-03T00:00:00Z'), score: 3 }],
    ]);
    expect(first).toEqual({ rows: 3, inserted: 3, updated: 0, statements: 2 });
    const primaryKey = await server.admin.query(`select a.attname from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey) where i.indrelid = '"Sink".people'::regclass and i.indisprimary`);
    expect(primaryKey.rows.map((r) => r.attname)).toEqual(['id']);

    async function* more() {
      // Two rows of key 2 in one batch: the last wins. A batch of 3 rows is cut into 2 statements.
      yield [[2, 'bobby', '2024-05-05', 2], [4, 'dee', null, 4], [2, 'robert', '2024-06-06', 2.5]];
      yield [[1, "ann o'neil", '2024-01-01', 1.5]];
    }
    const second = await upsertRows(server.admin, options, more());
    expect(second).toEqual({ rows: 3, inserted: 1, updated: 2, statements: 2 });
    expect(await contents('people')).toEqual([
      [1, "ann o'neil", '2024-01-01', 1.5],
      [2, 'robert', '2024-06-06', 2.5],
      [3, 'cy', '2024-02-03', 3],
      [4, 'dee', null, 4],
    ]);
  });

  it('leaves the table as it was when a batch fails part-way (a value the column refuses, or the rows\' iterator throwing)', async () => {
    const options = { schema: 'Sink', table: 'atomic', columns, uniqueKey: ['id'] };
    await upsertRows(server.admin, options, [[[1, 'a', null, 1], [2, 'b', null, 2]]]);
    const before = await contents('atomic');

    const refused = await upsertRows(server.admin, options, [[[1, 'changed', null, 10], [5, 'new', null, 5]], [[6, 'x', 'not a date', 6]]]).catch((e: Error) => e);
    expect((refused as Error).message).toMatch(/^postgres upsert into "Sink"\."atomic" failed at batch 2: invalid input syntax for type date: "not a date"; nothing was written/);

    async function* throwing() {
      yield [[2, 'changed', null, 20]];
      throw new Error('the model\'s rows stopped');
    }
    const thrown = await upsertRows(server.admin, options, throwing()).catch((e: Error) => e);
    expect((thrown as Error).message).toContain("failed at batch 1: the model's rows stopped");

    expect(await contents('atomic')).toEqual(before);
    // The client is usable afterwards: no transaction was left open.
    expect((await server.admin.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
  });

  it('works through a pool, with a composite key, and says what to do when the table has no unique index on the key', async () => {
    const pool = new pg.Pool({ host: server.host, port: server.port, user: server.user, password: server.password, database: server.database, max: 2 });
    try {
      const twoKeys: PluginColumn[] = [{ name: 'a', type: 'integer' }, { name: 'b', type: 'text' }, { name: 'v', type: 'bigint' }];
      await upsertRows(pool, { table: 'pairs', columns: twoKeys, uniqueKey: ['a', 'b'] }, [[[1, 'x', 10n], [1, 'y', 11n]]]);
      const again = await upsertRows(pool, { table: 'pairs', columns: twoKeys, uniqueKey: ['a', 'b'] }, [[[1, 'y', 12n]]]);
      expect(again).toEqual({ rows: 1, inserted: 0, updated: 1, statements: 1 });
      expect((await pool.query('select a, b, v from pairs order by a, b')).rows).toEqual([{ a: 1, b: 'x', v: '10' }, { a: 1, b: 'y', v: '12' }]);
      expect(pool.idleCount).toBe(pool.totalCount);

      await pool.query('create table loose (a integer, b text)');
      const noIndex = await upsertRows(pool, { table: 'loose', columns: twoKeys.slice(0, 2), uniqueKey: ['a'] }, [[[1, 'x']]]).catch((e: Error) => e);
      expect((noIndex as Error).message).toContain('the table exists without a unique index on (a): create one');
      const badKey = await upsertRows(pool, { table: 'loose', columns: twoKeys, uniqueKey: ['c'] }, []).catch((e: Error) => e);
      expect((badKey as Error).message).toBe('postgres upsert into loose: the unique key names c, which is not among the columns (a, b, v)');
    } finally {
      await pool.end();
    }
  });
});

describe('the postgres sink through dpf build', () => {
  const MODEL = `{{config materialized="table"}}
select * from (values
  (1, 'ann', {{var "score" 1.5}}::double, timestamp '2024-01-02 03:04:05.123456'),
  (2, 'bob', 2.0, null),
  ({{var "third" 3}}, 'cy', 3.0, timestamp '2024-02-01 00:00:00')
) as t(id, name, score, seen_at)
`;
  function project(exportLines: string[]): string {
    return makeProject(
      {
        'models/people.sql': MODEL,
        'models/schema.yml': `models:\n  - name: people\n    exports:\n      - name: people_to_app\n${exportLines.map((l) => `        ${l}\n`).join('')}`,
      },
      'name: proj\nmonitors: off\n',
    );
  }
  const sinkLines = (passwordEnv = PASSWORD_ENV, table = 'people') => [
    'plugin: postgres',
    `connection: {host: 127.0.0.1, port: ${server.port}, user: dpf, database: ${server.database}, password_env: ${passwordEnv}}`,
    'schema: App Data',
    `table: ${table}`,
    'unique_key: id',
    'batch_size: 2',
  ];
  const people = async (table = 'people') =>
    (await server.admin.query(`select id, name, score, to_char(seen_at, 'YYYY-MM-DD HH24:MI:SS.US') as seen_at from "App Data".${pg.escapeIdentifier(table)} order by id`)).rows.map((r) => [r.id, r.name, r.score, r.seen_at]);

  it('upserts the model\'s rows by unique_key: inserts on the first delivery, updates and inserts on the next; no password in target/', async () => {
    const dir = project(sinkLines());
    const first = await dpf(['build'], { cwd: dir, env: { HOME: dir, [PASSWORD_ENV]: server.password } });
    expect(first.code, first.output).toBe(0);
    expect(first.stdout).toMatch(/OK +exp +people_to_app \.+ \[3 rows to postgres App Data\.people \(3 inserted, 0 updated\) in/);
    expect(await people()).toEqual([
      [1, 'ann', 1.5, '2024-01-02 03:04:05.123456'],
      [2, 'bob', 2, null],
      [3, 'cy', 3, '2024-02-01 00:00:00.000000'],
    ]);
    // The table dpf created: the model's columns in PostgreSQL's types, the key its primary key.
    const columns = await server.admin.query(`select column_name, data_type from information_schema.columns where table_schema = 'App Data' and table_name = 'people' order by ordinal_position`);
    expect(columns.rows.map((r) => `${r.column_name} ${r.data_type}`)).toEqual(['id integer', 'name text', 'score double precision', 'seen_at timestamp without time zone']);

    const second = await dpf(['build', '--vars', '{score: 9.25, third: 4}'], { cwd: dir, env: { HOME: dir, [PASSWORD_ENV]: server.password } });
    expect(second.code, second.output).toBe(0);
    expect(second.stdout).toMatch(/\[3 rows to postgres App Data\.people \(1 inserted, 2 updated\) in/);
    // Row 3 is not the model's any more but stays: an upsert does not delete.
    expect(await people()).toEqual([
      [1, 'ann', 9.25, '2024-01-02 03:04:05.123456'],
      [2, 'bob', 2, null],
      [3, 'cy', 3, '2024-02-01 00:00:00.000000'],
      [4, 'cy', 3, '2024-02-01 00:00:00.000000'],
    ]);
    for (const file of readdirSync(join(dir, 'target'), { recursive: true, withFileTypes: true })) {
      if (file.isFile() && !file.name.endsWith('.duckdb') && !file.name.endsWith('.wal')) {
        expect(readFileSync(join(file.parentPath, file.name), 'utf8')).not.toContain(server.password);
      }
    }
  });

  it('fails at its exports: entry without the password, and leaves the table as it was when a statement fails part-way', async () => {
    await server.admin.query(`create schema if not exists "App Data"`);
    // The table refuses id 3, which comes in the second statement (batch_size: 2).
    await server.admin.query(`create table "App Data".kept (id integer primary key check (id < 3), name text, score double precision, seen_at timestamp)`);
    await server.admin.query(`insert into "App Data".kept values (1, 'old', 0, null)`);
    const refused = await dpf(['build'], { cwd: project(sinkLines(PASSWORD_ENV, 'kept')), env: { [PASSWORD_ENV]: server.password } });
    expect(refused.code).toBe(1);
    expect(refused.output).toMatch(/DPF807[\s\S]*failed at batch 1: new row for relation "kept" violates check constraint "kept_id_check"; nothing was written/);
    expect(await people('kept')).toEqual([[1, 'old', 0, null]]);

    // The password comes from the run's environment (the API's env), as a scheduler would pass it.
    {
      const failed = await dpf(['build'], { cwd: project(sinkLines('DPF_TEST_PG_WRONG', 'kept')), env: { DPF_TEST_PG_WRONG: 'wrong-secret-p4ss' } });
      expect(failed.code).toBe(1);
      expect(failed.output).toContain('DPF807');
      expect(failed.output).toContain(`could not connect to 127.0.0.1:${server.port} database ${server.database} as user dpf: password authentication failed`);
      expect(failed.output).toMatch(/models[/\\]schema\.yml:4/);
      expect(failed.output).not.toContain('wrong-secret-p4ss');
    }
    expect(await people('kept')).toEqual([[1, 'old', 0, null]]);

    const compiled = await dpf(['compile'], { cwd: project(sinkLines().filter((l) => !l.startsWith('unique_key'))), env: {} });
    expect(compiled.code).toBe(2);
    expect(compiled.output).toMatch(/DPF103[\s\S]*unique_key/);
  });
});

function freePort(): Promise<number> {
  return import('node:net').then(
    ({ createServer }) =>
      new Promise((resolve) => {
        const s = createServer().listen(0, '127.0.0.1', () => {
          const port = (s.address() as { port: number }).port;
          s.close(() => resolve(port));
        });
      }),
  );
}

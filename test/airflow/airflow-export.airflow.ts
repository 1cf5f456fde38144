/**
 * The demo's pipelines on a real Apache Airflow (`npm run test:airflow`; scripts/test-airflow.sh
 * installs it and sets DPF_AIRFLOW_VENV): `dpf export airflow` writes the DAGs, Airflow loads
 * them, `airflow dags test` runs reviews_extract then marts (each task a
 * real `dpf build` of the built dist/ on a DuckDB target), and then Airflow's metadata database
 * says every task succeeded, DuckDB holds the demo's tables with rows, and dpf_meta.runs has one
 * run per task.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportAirflow, type AirflowExport } from '../../src/index.js';
import { shellWord } from '../../src/pipelines/python-literal.js';
import { queryDuckDB } from '../helpers/query-duckdb.js';
import { copyDemoProject, REPO_ROOT, tempDir } from '../helpers/run-dpf.js';

const run = promisify(execFile);
const venv = process.env.DPF_AIRFLOW_VENV;
if (!venv) throw new Error('DPF_AIRFLOW_VENV is not set: run this through `npm run test:airflow`, which installs Airflow first.');

const home = tempDir('dpf-airflow-home-');
const dags = join(tempDir('dpf-airflow-dags-'), 'dags');
const airflowEnv: NodeJS.ProcessEnv = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  TZ: 'UTC',
  AIRFLOW_HOME: home,
  AIRFLOW__CORE__DAGS_FOLDER: dags,
  AIRFLOW__CORE__LOAD_EXAMPLES: 'False',
  AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: `sqlite:///${join(home, 'airflow.db')}`,
};

/** Runs the venv's airflow; answers its stdout (its logs go to stderr, shown when it fails). */
async function airflow(...args: string[]): Promise<string> {
  const started = Date.now();
  process.stderr.write(`test:airflow: airflow ${args.join(' ')}\n`);
  try {
    const { stdout } = await run(join(venv!, 'bin', 'airflow'), args, { env: airflowEnv, maxBuffer: 256 * 1024 * 1024 });
    process.stderr.write(`test:airflow:   done in ${Math.round((Date.now() - started) / 1000)} s\n`);
    return stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`airflow ${args.join(' ')} failed: ${e.message}\n${(e.stdout ?? '').slice(-4000)}\n${(e.stderr ?? '').slice(-4000)}`);
  }
}

/** Task states of one DAG's runs, read from Airflow's own metadata database. */
async function taskStates(dagId: string): Promise<Record<string, string>> {
  const script = 'import json, sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nprint(json.dumps(dict(c.execute("select task_id, state from task_instance where dag_id = ?", (sys.argv[2],)).fetchall())))';
  const { stdout } = await run(join(venv!, 'bin', 'python'), ['-c', script, join(home, 'airflow.db'), dagId]);
  return JSON.parse(stdout) as Record<string, string>;
}

describe('dpf export airflow on Apache Airflow', () => {
  let project: string;
  let exported: AirflowExport;

  beforeAll(async () => {
    project = copyDemoProject();
    exported = await exportAirflow({
      cwd: project,
      out: dags,
      startDate: '2024-06-01',
      // Airflow's workers start the dist/ that `npm run test:airflow` built, with this Node.
      dpfCommand: [process.execPath, join(REPO_ROOT, 'bin', 'dpf.js')].map(shellWord).join(' '),
      env: { HOME: project, TZ: 'UTC' },
    });
    process.stderr.write(`test:airflow: exported ${exported.dags.map((d) => `${d.file} (${d.tasks.length} tasks)`).join(', ')} into ${dags}\n`);
    await airflow('db', 'migrate');
    // As each DAG file's header says: the pools its tasks use, with dpf_project.yml's sizes.
    for (const dag of exported.dags) for (const pool of dag.pools) await airflow('pools', 'set', pool.name, String(pool.slots), `dpf pool ${pool.name}`);
  });

  it('parses both DAG files', async () => {
    // Airflow 3 lists the DAGs of its database unless told to parse the folder (--local); 2.x parses it.
    const major = Number((await airflow('version')).trim().split('.')[0]);
    const listed = await airflow('dags', 'list', ...(major >= 3 ? ['--local'] : []), '--output', 'json');
    const dagsListed = JSON.parse(listed.slice(listed.indexOf('[{'), listed.lastIndexOf('}]') + 2)) as { dag_id: string; owners?: string[] | string }[];
    expect(dagsListed.map((d) => d.dag_id).sort()).toEqual(['shop.marts', 'shop.reviews_extract']);
  });

  it('runs reviews_extract, then marts: every task succeeds, the tables are built, one dpf run per task', async () => {
    // reviews_extract lands the partner's reviews that marts' staging models read (marts runs after it).
    for (const dagId of ['shop.reviews_extract', 'shop.marts']) {
      await airflow('dags', 'test', dagId, '2024-06-01T10:05:00+00:00');
      const dag = exported.dags.find((d) => d.dagId === dagId)!;
      const expected = [...dag.tasks.map((t) => t.taskId), ...(dag.emits.succeeded ? ['pipeline_succeeded'] : [])].sort();
      const states = await taskStates(dagId);
      expect(Object.keys(states).sort(), dagId).toEqual(expected);
      expect(Object.entries(states).filter(([, state]) => state !== 'success'), dagId).toEqual([]);
    }

    const db = join(project, 'target', 'dev.duckdb');
    const count = async (relation: string) => Number((await queryDuckDB(db, `select count(*) as n from ${relation}`))[0]!.n);
    for (const relation of ['main_partner.reviews', 'main.stg_reviews', 'main.raw_orders', 'main.stg_orders', 'main.fct_orders', 'main.dim_customers', 'main.product_ratings', 'main_finance.revenue_by_category']) {
      expect(await count(relation), relation).toBeGreaterThan(0);
    }
    // Each task was one `dpf build` of its own: dpf_meta.runs has as many runs as there were tasks.
    const tasks = exported.dags.reduce((n, d) => n + d.tasks.length, 0);
    const runs = await queryDuckDB(db, "select count(*) as n, count(*) filter (where status = 'success') as ok from dpf_meta.runs");
    expect(Number(runs[0]!.n)).toBe(tasks);
    expect(Number(runs[0]!.ok)).toBe(tasks);
  });
});

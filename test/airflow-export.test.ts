/**
 * `dpf export airflow` on the demo project and on small projects, without Airflow (the run on a
 * real Airflow is `npm run test:airflow`, test/airflow/): the files, their tasks and
 * dependencies, the schedule, after:, retries, pool and timeout mapping; every file is valid
 * Python (python3's own parser), a description with quotes, newlines and `"""` stays a string;
 * each task's `dpf build --select … --exclude …` plans exactly the steps the task stands for, and
 * together the tasks run the pipeline's plan once, in its order; DPF910-914.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportAirflow, type AirflowDag } from '../src/index.js';
import { compileFromDisk } from '../src/compiler/compile-pipeline.js';
import { selectNodes } from '../src/compiler/select-nodes.js';
import { planRun } from '../src/runner/plan-run.js';
import { pythonString } from '../src/pipelines/python-literal.js';
import { copyDemoProject, dpf, makeProject, tempDir } from './helpers/run-dpf.js';

const env = (dir: string) => ({ HOME: dir, TZ: 'UTC' });

/** python3 parses the file (ast.parse), and answers the DAG(...) call's literal keywords as JSON. */
function pythonDagArgs(file: string): Record<string, unknown> {
  const script = [
    'import ast, json, sys',
    'tree = ast.parse(open(sys.argv[1], encoding="utf-8").read())',
    'for node in ast.walk(tree):',
    '    if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "DAG":',
    '        out = {}',
    '        for kw in node.keywords:',
    '            try: out[kw.arg] = ast.literal_eval(kw.value)',
    '            except ValueError: out[kw.arg] = ast.unparse(kw.value)',
    '        print(json.dumps(out))',
  ].join('\n');
  return JSON.parse(execFileSync('python3', ['-c', script, file], { encoding: 'utf8' })) as Record<string, unknown>;
}

const taskOf = (dag: AirflowDag, taskId: string) => dag.tasks.find((t) => t.taskId === taskId)!;

describe('dpf export airflow', () => {
  it('writes one DAG per demo pipeline: tasks per node, dependencies, schedule, after: as an asset, pool and owner', async () => {
    const project = copyDemoProject();
    const out = join(tempDir(), 'dags');
    const run = await dpf(['export', 'airflow', '--out', out, '--start-date', '2024-06-01', '--dpf-command', 'npx dpf'], { cwd: project, env: env(project) });
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toMatch(/shop__marts\.py: DAG shop\.marts, \d+ tasks \(pipeline marts, target dev\)/);
    expect(run.stdout).toContain('shop__reviews_extract.py: DAG shop.reviews_extract, 2 tasks (pipeline reviews_extract, target dev)');

    const extract = pythonDagArgs(join(out, 'shop__reviews_extract.py'));
    expect(extract).toMatchObject({ dag_id: 'shop.reviews_extract', catchup: false, max_active_runs: 1, tags: ['dpf', 'shop'], default_args: { owner: 'data-platform', retries: 0 } });
    expect(extract.schedule).toBe("CronTriggerTimetable('5 * * * *', timezone='UTC')");
    expect(extract.start_date).toBe("pendulum.datetime(2024, 6, 1, tz='UTC')");
    const marts = pythonDagArgs(join(out, 'shop__marts.py'));
    expect(marts).toMatchObject({ dag_id: 'shop.marts', default_args: { owner: 'analytics', retries: 0 } });
    // Cron or the upstream's asset: Airflow's combined timetable (docs/scheduling.md#what-maps-to-what).
    expect(marts.schedule).toBe("_on_assets_or_time(CronTriggerTimetable('0 6 * * *', timezone='Europe/Berlin'), after_0)");
    const martsText = readFileSync(join(out, 'shop__marts.py'), 'utf8');
    const extractText = readFileSync(join(out, 'shop__reviews_extract.py'), 'utf8');
    expect(martsText).toContain('after_0 = Asset("dpf://shop/pipelines/reviews_extract")');
    expect(extractText).toContain('emits_succeeded = Asset("dpf://shop/pipelines/reviews_extract")');
    expect(extractText).toContain('tasks["pipeline_succeeded"] = EmptyOperator(task_id="pipeline_succeeded", trigger_rule="all_success", outlets=[emits_succeeded])');
    expect(extractText).toContain('[tasks["stg_reviews"]] >> tasks["pipeline_succeeded"]');
    // Nothing runs after marts, so it emits nothing.
    expect(martsText).not.toContain('pipeline_succeeded');

    const { dags } = await exportAirflow({ cwd: project, out: join(tempDir(), 'dags'), startDate: '2024-06-01', env: env(project) });
    const extractDag = dags.find((d) => d.pipeline.name === 'reviews_extract')!;
    expect(extractDag.tasks.map((t) => [t.taskId, t.upstream])).toEqual([
      ['source.partner.reviews', []],
      ['stg_reviews', ['source.partner.reviews']],
    ]);
    // The extract holds a slot of the partner's API pool (dpf_project.yml pools: partner_api: 1).
    expect(taskOf(extractDag, 'source.partner.reviews')).toMatchObject({ pool: 'partner_api' });
    expect(extractText).toContain('#   airflow pools set partner_api 1');
    expect(taskOf(extractDag, 'source.partner.reviews').command).toBe(`dpf build --select unique_id:source.shop.partner.reviews --target dev --project-dir ${project}`);
    const martsDag = dags.find((d) => d.pipeline.name === 'marts')!;
    expect(taskOf(martsDag, 'stg_orders').upstream).toEqual(['seed.raw_orders']);
    expect(taskOf(martsDag, 'dim_customers').upstream).toEqual(['fct_orders']);
    // A relationships test of two independent models runs in a task of its own after both, and
    // what it gates (fct_orders reads both) waits for it; neither model waits for the other.
    expect(taskOf(martsDag, 'test.relationships_stg_orders_customer_id').upstream).toEqual(['stg_customers', 'stg_orders']);
    expect(taskOf(martsDag, 'fct_orders').upstream).toContain('test.relationships_stg_orders_customer_id');
    // The source's tests run in the source's task although the source itself runs nothing.
    expect(taskOf(martsDag, 'source.web.sessions').steps.every((id) => id.startsWith('test.'))).toBe(true);
    expect(martsDag.tasks.some((t) => t.taskId === 'source.partner.reviews')).toBe(false);
  });

  it("plans, for each task's dpf build, exactly its steps: together the pipeline's plan, once each, in its order", async () => {
    const project = copyDemoProject();
    for (const groupBy of ['node', 'path'] as const) {
      const { dags } = await exportAirflow({ cwd: project, out: join(tempDir(), 'dags'), groupBy, env: env(project) });
      const compiled = await compileFromDisk({ projectDir: project, env: env(project), writeArtifacts: false });
      for (const dag of dags) {
        const pipelinePlan = planRun(compiled.manifest, compiled.graph, selectNodes(compiled.manifest, compiled.graph, { select: dag.pipeline.select, exclude: dag.pipeline.exclude }), { command: 'build' });
        const taskOfStep = new Map<string, string>();
        for (const task of dag.tasks) {
          const selected = selectNodes(compiled.manifest, compiled.graph, { select: task.select, exclude: task.exclude });
          const steps = planRun(compiled.manifest, compiled.graph, selected, { command: 'build' }).steps.map((s) => s.uniqueId);
          expect(steps.sort(), `${groupBy} ${dag.dagId} ${task.taskId}`).toEqual([...task.steps].sort());
          for (const id of task.steps) {
            expect(taskOfStep.has(id), `${id} runs in two tasks`).toBe(false);
            taskOfStep.set(id, task.taskId);
          }
        }
        expect([...taskOfStep.keys()].sort()).toEqual(pipelinePlan.steps.map((s) => s.uniqueId).sort());
        // Every wait of the plan is a wait between tasks (transitively), or inside one task.
        const upstreamOf = new Map(dag.tasks.map((t) => [t.taskId, t.upstream]));
        const before = (a: string, b: string): boolean => upstreamOf.get(b)!.some((u) => u === a || before(a, u));
        for (const step of pipelinePlan.steps) {
          for (const dep of step.dependsOn) {
            const [from, to] = [taskOfStep.get(dep)!, taskOfStep.get(step.uniqueId)!];
            expect(from === to || before(from, to), `${groupBy}: ${step.uniqueId} waits for ${dep}`).toBe(true);
          }
        }
      }
    }
  });

  it('maps retries, pool, timeout, catchup, concurrency, vars and triggers; a description with quotes and newlines stays a string', async () => {
    const description = 'Say "hi"\nthen \'bye\' """ \\ ${x} {{ ds }} é 😀\n"); import os; os.system("echo pwned'; // no Python may escape this string
    const dir = makeProject({
      'models/a.sql': 'select 1 as id\n',
      'models/b.sql': 'select * from {{ref "a"}}\n',
      'models/c.sql': "select '{{var \"region\" \"none\"}}' as region\n",
      'pipelines/first.yml': `description: ${JSON.stringify(description)}\nselect: a\nschedule: {cron: "30 2 * * *", timezone: America/New_York}\nretries: 2\npool: nightly\ntimeout: 2h\ncatchup: true\nconcurrency: 3\nowner: "O'Brien"\n`,
      'pipelines/second.yml': 'select: b\nafter: [first]\ntrigger: all_done\n',
      'pipelines/third.yml': 'select: c\nafter: [first, second]\ntrigger: any_success\nvars: {region: "it\'s EU"}\n',
    }, 'name: proj\npools:\n  nightly: 2\n');
    const out = join(tempDir(), 'dags with space');
    const { dags } = await exportAirflow({ cwd: dir, out, startDate: '2024-03-01', env: env(dir), dpfCommand: '/opt/dpf/bin/dpf' });
    const first = pythonDagArgs(join(out, 'proj__first.py'));
    expect(first.description).toBe(description);
    expect(first).toMatchObject({ catchup: true, max_active_runs: 3, dagrun_timeout: 'timedelta(seconds=7200)', schedule: "CronTriggerTimetable('30 2 * * *', timezone='America/New_York')" });
    expect(first.default_args).toBe("{'owner': \"O'Brien\", 'retries': 2, 'execution_timeout': timedelta(seconds=7200)}");
    const firstText = readFileSync(join(out, 'proj__first.py'), 'utf8');
    expect(firstText).toContain('pool="nightly"');
    // first is waited for with all_done (second) and with any_success (third): it emits both.
    expect(firstText).toContain('emits_succeeded = Asset("dpf://proj/pipelines/first")');
    expect(firstText).toContain('emits_done = Asset("dpf://proj/pipelines/first/done")');
    expect(firstText).toContain('EmptyOperator(task_id="pipeline_done", trigger_rule="all_done", outlets=[emits_done])');
    expect(pythonDagArgs(join(out, 'proj__second.py')).schedule).toBe('after_0');
    expect(readFileSync(join(out, 'proj__second.py'), 'utf8')).toContain('after_0 = Asset("dpf://proj/pipelines/first/done")');
    expect(pythonDagArgs(join(out, 'proj__third.py')).schedule).toBe('after_0 | after_1');
    const third = dags.find((d) => d.pipeline.name === 'third')!;
    expect(third.tasks[0]!.command).toBe(`/opt/dpf/bin/dpf build --select unique_id:model.proj.c --target dev --project-dir ${dir} --vars '{"region":"it'\\''s EU"}'`);
    // The shell gives dpf the words as written.
    const words = execFileSync('bash', ['-c', `printf '%s\\n' ${third.tasks[0]!.command.replace('/opt/dpf/bin/dpf ', '')}`], { encoding: 'utf8' }).trim().split('\n');
    expect(words.slice(-2)).toEqual(['--vars', '{"region":"it\'s EU"}']);
    expect(pythonString('a"\n\u00e9\u{1F600}')).toBe('"a\\"\\n\\u00e9\\U0001f600"');
  });

  it('groups by folder or first tag, and removes only its own stale files', async () => {
    const project = copyDemoProject();
    const out = join(tempDir(), 'dags');
    mkdirSync(out);
    writeFileSync(join(out, 'shop__gone.py'), '# Generated by dpf export airflow from pipelines/gone.yml\n');
    writeFileSync(join(out, 'mine.py'), '# my own DAG\n');
    const byPath = await dpf(['export', 'airflow', '--out', out, '--group-by', 'path', '--pool', 'shop_duckdb'], { cwd: project, env: env(project) });
    expect(byPath.code, byPath.output).toBe(0);
    expect(byPath.stdout).toContain('shop__gone.py: removed (its pipeline is gone)');
    // --pool puts every task into one pool (one dpf build at a time on a DuckDB file), the extract's own too.
    expect(readFileSync(join(out, 'shop__reviews_extract.py'), 'utf8').match(/pool="[^"]*"/g)).toEqual(['pool="shop_duckdb"']);
    expect(readFileSync(join(out, 'shop__reviews_extract.py'), 'utf8')).toContain('#   airflow pools set shop_duckdb 1');
    expect(existsSync(join(out, 'shop__gone.py'))).toBe(false);
    expect(existsSync(join(out, 'mine.py'))).toBe(true);
    const text = readFileSync(join(out, 'shop__marts.py'), 'utf8');
    expect(text).toContain('tasks["models.staging"] = DpfBuild(');
    expect(text).toContain('tasks["models.intermediate"] >> tasks["models.marts"]');
    pythonDagArgs(join(out, 'shop__marts.py'));
    // The demo's first tags read each other around a cycle (staging → … → staging): DPF913.
    const byTag = await dpf(['export', 'airflow', '--out', out, '--group-by', 'tag'], { cwd: project, env: env(project) });
    expect(byTag.code).toBe(2);
    expect(byTag.stderr).toMatch(/DPF913[\s\S]*pipeline "marts"[\s\S]*staging → [\s\S]* → staging/);
    const tagged = makeProject({
      'models/raw_a.sql': 'select 1 as id\n',
      'models/raw_b.sql': 'select 2 as id\n',
      'models/mart.sql': 'select * from {{ref "raw_a"}} union all select * from {{ref "raw_b"}}\n',
      'models/_models.yml': 'models:\n  - name: raw_a\n    config: {tags: [raw]}\n  - name: raw_b\n    config: {tags: [raw]}\n  - name: mart\n    config: {tags: [mart, raw]}\n',
      'models/other.sql': 'select 3 as id\n',
      'pipelines/all.yml': 'owner: me\n',
    });
    const { dags } = await exportAirflow({ cwd: tagged, out: join(tempDir(), 'dags'), groupBy: 'tag', env: env(tagged) });
    expect(dags[0]!.tasks.map((t) => [t.taskId, t.nodes.length, t.upstream]).sort()).toEqual([
      ['tag.mart', 1, ['tag.raw']],
      ['tag.raw', 2, []],
      ['untagged', 1, []],
    ]);
  });

  it('reports DPF910-914: an unknown --group-by, an --out that is a file, a pipeline running nothing, groups in a cycle, a cron with seconds', async () => {
    const project = copyDemoProject();
    const bad = await dpf(['export', 'airflow', '--out', 'dags', '--group-by', 'tags'], { cwd: project, env: env(project) });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/DPF910[\s\S]*"tags"[\s\S]*Did you mean "tag"\?/);

    writeFileSync(join(project, 'afile'), '');
    const file = await dpf(['export', 'airflow', '--out', 'afile/dags'], { cwd: project, env: env(project) });
    expect(file.code).toBe(2);
    expect(file.stderr).toMatch(/DPF911[\s\S]*afile\/dags[\s\S]*is a file/);

    const nothing = makeProject({ 'models/a.sql': 'select 1 as id\n', 'pipelines/empty.yml': 'name: empty\nselect: nosuchmodel\n' });
    const run = await dpf(['export', 'airflow', '--out', 'dags'], { cwd: nothing, env: env(nothing) });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/DPF912[\s\S]*"empty"[\s\S]*--select nosuchmodel/);
    expect(run.stderr).toContain('pipelines/empty.yml:1');
    expect(existsSync(join(nothing, 'dags'))).toBe(false);

    const cyclic = makeProject({
      'models/a/x.sql': 'select 1 as id\n',
      'models/b/y.sql': 'select * from {{ref "x"}}\n',
      'models/a/z.sql': 'select * from {{ref "y"}}\n',
      'pipelines/all.yml': 'owner: me\n',
    });
    const cycle = await dpf(['export', 'airflow', '--out', 'dags', '--group-by', 'path'], { cwd: cyclic, env: env(cyclic) });
    expect(cycle.code).toBe(2);
    expect(cycle.stderr).toMatch(/DPF913[\s\S]*models\/(a|b) → models\/(a|b) → models\/(a|b)/);
    expect((await dpf(['export', 'airflow', '--out', 'dags'], { cwd: cyclic, env: env(cyclic) })).code).toBe(0);

    const seconds = makeProject({ 'models/a.sql': 'select 1 as id\n', 'pipelines/fast.yml': 'schedule: {cron: "30 0 6 * * *"}\n' });
    const sec = await dpf(['export', 'airflow', '--out', 'dags'], { cwd: seconds, env: env(seconds) });
    expect(sec.code).toBe(2);
    expect(sec.stderr).toMatch(/DPF914[\s\S]*"30 0 6 \* \* \*"[\s\S]*seconds/);
  });
});

/**
 * One Airflow DAG file (Python) from an `AirflowDag`, through templates/airflow/dag.py.hbs.
 * Every value that reaches the template is already a Python literal or expression built here
 * from python-literal.ts, so the template lays out structure and no value from a user's file
 * can become code; comment lines are cleaned of line breaks.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import HandlebarsModule from 'handlebars';
import { TEMPLATES_DIR } from '../compiler/package-paths.js';
import type { AirflowTask } from './airflow-tasks.js';
import type { Pipeline } from './pipeline.js';
import { pythonLiteral, pythonString } from './python-literal.js';

/** An asset (Airflow 2: dataset) one DAG emits and others are scheduled on. */
export interface AirflowAsset {
  readonly uri: string;
  /** The Python variable it is declared as in the file. */
  readonly variable: string;
}

export interface AirflowDagTask extends AirflowTask {
  /** The bash command line: `<dpf> build --select … --target … --project-dir …`. */
  readonly command: string;
}

export interface AirflowDag {
  readonly dagId: string;
  /** The file name in the output folder. */
  readonly file: string;
  readonly project: string;
  readonly pipeline: Pipeline;
  readonly target: string;
  readonly dpfVersion: string;
  /** Day the schedule starts (YYYY-MM-DD, in the schedule's time zone). */
  readonly startDate: string;
  /** What the DAG is scheduled on besides its cron: the upstream pipelines' assets, combined per `trigger`. */
  readonly after?: { readonly assets: readonly AirflowAsset[]; readonly combine: '&' | '|' };
  /** Assets the DAG emits when it ends, for pipelines that run after it. */
  readonly emits: { readonly succeeded?: AirflowAsset; readonly done?: AirflowAsset };
  readonly tasks: readonly AirflowDagTask[];
  /** `airflow pools set` arguments for the pools the tasks use. */
  readonly pools: readonly { readonly name: string; readonly slots: number }[];
}

const handlebars = HandlebarsModule.create();
let template: HandlebarsTemplateDelegate | undefined;

export function renderAirflowDag(dag: AirflowDag): string {
  template ??= handlebars.compile(readFileSync(join(TEMPLATES_DIR, 'airflow', 'dag.py.hbs'), 'utf8'), { noEscape: true, strict: true });
  const { pipeline } = dag;
  const timezone = pipeline.schedule?.timezone ?? 'UTC';
  const cron = pipeline.schedule ? `CronTriggerTimetable(${pythonString(pipeline.schedule.cron)}, timezone=${pythonString(timezone)})` : undefined;
  const condition = dag.after ? dag.after.assets.map((a) => a.variable).join(` ${dag.after.combine} `) : undefined;
  const schedule = cron && condition ? `_on_assets_or_time(${cron}, ${condition})` : (cron ?? condition ?? 'None');
  const [year, month, day] = dag.startDate.split('-').map(Number);
  const timeout = pipeline.timeoutSeconds !== undefined ? `timedelta(seconds=${pipeline.timeoutSeconds})` : undefined;
  const defaultArgs = [
    ...(pipeline.owner !== undefined ? [`"owner": ${pythonString(pipeline.owner)}`] : []),
    `"retries": ${pipeline.retries}`,
    ...(timeout ? [`"execution_timeout": ${timeout}`] : []),
  ];
  const sinks = dag.tasks.filter((t) => !dag.tasks.some((other) => other.upstream.includes(t.taskId)));
  const sinkList = sinks.map((t) => `tasks[${pythonString(t.taskId)}]`).join(', ');
  const markers = [
    ...(dag.emits.succeeded ? [{ id: 'pipeline_succeeded', rule: 'all_success', asset: dag.emits.succeeded, comment: 'Pipelines after this one with trigger all_success or any_success wait for this asset.' }] : []),
    ...(dag.emits.done ? [{ id: 'pipeline_done', rule: 'all_done', asset: dag.emits.done, comment: 'Pipelines after this one with trigger all_done wait for this asset: it is emitted whether the tasks failed or not.' }] : []),
  ];
  return template({
    sourceFile: commentText(pipeline.location.file),
    project: commentText(dag.project),
    dpfVersion: commentText(dag.dpfVersion),
    pipelineName: commentText(pipeline.name),
    pools: dag.pools.map((p) => commentText(`${p.name} ${p.slots} "dpf pool ${p.name}"`)),
    assets: [...(dag.after?.assets ?? []), ...(dag.emits.succeeded ? [dag.emits.succeeded] : []), ...(dag.emits.done ? [dag.emits.done] : [])].map((a) => ({ name: a.variable, uri: pythonString(a.uri) })),
    dagId: pythonString(dag.dagId),
    description: pythonLiteral(pipeline.description ?? null),
    docMd: pythonString(docOf(dag)),
    schedule,
    startDate: `pendulum.datetime(${year}, ${month}, ${day}, tz=${pythonString(timezone)})`,
    catchup: pythonLiteral(pipeline.catchup),
    maxActiveRuns: String(pipeline.concurrency),
    dagrunTimeout: timeout ?? 'None',
    defaultArgs: `{${defaultArgs.join(', ')}}`,
    tags: pythonLiteral(['dpf', dag.project]),
    tasks: dag.tasks.map((t) => ({
      taskId: pythonString(t.taskId),
      command: pythonString(t.command),
      doc: pythonString(`dpf nodes: ${t.nodes.join(', ')}; with them: ${t.steps.filter((s) => !t.nodes.includes(s)).join(', ') || 'nothing else'}.`),
      pool: t.pool !== undefined ? pythonString(t.pool) : undefined,
      triggerRule: t.trigger !== undefined ? pythonString(t.trigger) : undefined,
    })),
    edges: dag.tasks
      .filter((t) => t.upstream.length > 0)
      .map((t) => ({
        upstream: t.upstream.length === 1 ? `tasks[${pythonString(t.upstream[0]!)}]` : `[${t.upstream.map((u) => `tasks[${pythonString(u)}]`).join(', ')}]`,
        downstream: pythonString(t.taskId),
      })),
    markers: markers.map((m) => ({ taskId: pythonString(m.id), triggerRule: pythonString(m.rule), asset: m.asset.variable, comment: m.comment, upstream: sinkList })),
  });
}

function docOf(dag: AirflowDag): string {
  const { pipeline } = dag;
  return [
    `**dpf pipeline \`${pipeline.name}\`** (${pipeline.location.file}, project ${dag.project}, target ${dag.target})`,
    '',
    ...(pipeline.description ? [pipeline.description, ''] : []),
    `Each task runs \`dpf build\` for its nodes; ${dag.tasks.length} task${dag.tasks.length === 1 ? '' : 's'}.`,
  ].join('\n');
}

/** Text for a `#` comment: one line, whatever the value holds. */
function commentText(text: string): string {
  return text.replace(/[\r\n\u2028\u2029\u0085\f\v]+/g, ' ');
}

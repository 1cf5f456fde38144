/** Pipelines (docs/scheduling.md): pipelines/*.yml, their next runs, running one now, and their status. */
export { loadPipelines, DEFAULT_PIPELINE_PATHS } from './load-pipelines.js';
export { listPipelines, runPipeline, selectionText, type ListPipelinesOptions, type ListedPipeline, type PipelineList, type RunPipelineOptions } from './pipeline-commands.js';
export { status, DEFAULT_STATUS_RUNS, type StatusOptions, type StatusReport, type StatusRun, type StatusTime, type RunningRun, type PipelineStatus, type SchedulerStatus, type NextRun, type FailedPipeline } from './pipeline-status.js';
export { nextRunTimes, formatInZone, cronProblem, isTimezone } from './cron-times.js';
export type { Pipeline, PipelineSchedule, PipelineTrigger } from './pipeline.js';
export { schedule, type ScheduleOptions, type ScheduleStarted } from './run-scheduler.js';
export { Scheduler, type SchedulerEvent, type RunLauncher, type RunRequest, type RunEnd, type RunHandle } from './scheduler.js';
export { systemClock, acceleratedClock, clockFromEnv, type Clock } from './clock.js';
export { openSchedulerStore } from './open-store.js';
export type { SchedulerStore, Tick, SchedulerRun, LeaseRow } from './scheduler-store.js';
export { exportAirflow, type ExportAirflowOptions, type AirflowExport } from './export-airflow.js';
export type { AirflowDag, AirflowDagTask, AirflowAsset } from './render-airflow-dag.js';
export type { AirflowTask, AirflowGroupBy } from './airflow-tasks.js';

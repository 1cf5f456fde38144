/** src/history's entry: the recorder the executor creates, and the readers `dpf history` uses. */
export { historyRecorder, DEFAULT_KEEP_DAYS, type HistoryRecorder, type RecorderOptions } from './history-recorder.js';
export { readRuns, readNodeRuns, type HistoryRun, type HistoryNodeRun, type HistoryQuery, type HistoryReadEnv } from './read-history.js';
export { HISTORY_TABLES, HISTORY_VERSION, HISTORY_SCHEMA, VERSION_COLUMNS, VERSION_TABLE, type HistoryColumn, type HistoryRow, type HistoryTableName } from './history-tables.js';
export { SPOOL_FILE } from './history-spool.js';
export { recordAudit, type AuditChange, type RecordAuditOptions } from './record-audit.js';
export { readCostRows, type CostRows } from './read-costs.js';
export { readSiteHistory, type SiteHistory, type SiteNodeRun, type SiteTestResult, type SiteTableStat, type SiteMonitorResult } from './read-site-history.js';
export { readLatestPiiScans, type LatestPiiScans, type StoredPiiFinding, type PiiScanReadEnv } from './read-pii-scans.js';
export { readLastAuditReport, AUDIT_COMMAND, type AuditReadEnv } from './read-last-audit.js';
export { historyStore, type HistoryStore } from './history-store.js';
export { emptyRows, timestampText } from './history-rows.js';

/** `dpf import dbt`: the importer's entry (README.md beside it lists its steps). */
export { importDbt, type ImportDbtOptions, type ImportReport, type Problem, type Note } from './import-dbt.js';
export { formatProblem, REPORT_FILES } from './import-report.js';

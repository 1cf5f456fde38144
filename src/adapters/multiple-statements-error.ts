/**
 * The engine refused a text of several statements. dpf runs exactly one statement per call
 * (a var that closes a string literal must not run a `drop table` of its own); the adapter
 * knows the text but not the model, so the runner's strategies give the error the model's
 * file and line (materializations/index.ts).
 */
import { DpfError, diagnostic, type SourceLocation } from '../errors/dpf-error.js';
import { lineAt, secondStatementStart } from './statement-boundaries.js';

export class MultipleStatementsError extends DpfError {
  /** The line of `statement` where the second statement begins, when the scan finds it. */
  readonly line: number | undefined;

  constructor(
    readonly engine: string,
    readonly statement: string,
    location?: SourceLocation,
  ) {
    const start = secondStatementStart(statement);
    const excerpt = start === undefined ? '(not found)' : excerptAt(statement, start);
    super([diagnostic('MultipleStatements', { engine, excerpt }, location)]);
    this.line = start === undefined ? undefined : lineAt(statement, start);
  }

  /** The same refusal, reported at a place in the project. */
  at(location: SourceLocation): MultipleStatementsError {
    return new MultipleStatementsError(this.engine, this.statement, location);
  }
}

function excerptAt(sql: string, start: number): string {
  const line = sql.slice(start).split('\n')[0]!.trim();
  return line.length > 60 ? `${line.slice(0, 60)}…` : line;
}

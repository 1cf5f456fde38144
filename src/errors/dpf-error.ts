/**
 * The one error type users see. A DpfError carries a permanent code from the catalog, a
 * message that says what went wrong (without repeating the location), a hint that says what
 * to do, and where it happened. Anything else thrown is a bug in dpf and is printed as such.
 */
import { ERRORS, type ErrorName } from './error-catalog.js';

export interface SourceLocation {
  readonly file: string; // relative to the project directory where possible
  readonly line?: number; // 1-based
  readonly column?: number; // 1-based
}

export interface Diagnostic {
  readonly code: string;
  readonly name: ErrorName;
  readonly title: string;
  readonly message: string;
  readonly hint?: string;
  readonly location?: SourceLocation;
  readonly severity: 'error' | 'warning';
}

export class DpfError extends Error {
  readonly diagnostics: readonly Diagnostic[];

  constructor(diagnostics: readonly Diagnostic[]) {
    super(diagnostics.map((d) => `${d.code} ${d.message}`).join('\n'));
    this.name = 'DpfError';
    this.diagnostics = diagnostics;
  }

  get first(): Diagnostic {
    return this.diagnostics[0]!;
  }
}

type Entry<N extends ErrorName> = (typeof ERRORS)[N];
type HintArgs<N extends ErrorName> = Entry<N> extends { hint: (a: infer A) => string } ? A : unknown;
type MessageArgs<N extends ErrorName> = Entry<N>['message'] extends (a: infer A) => string ? (unknown extends A ? unknown : A) : unknown;
type ArgsOf<N extends ErrorName> = MessageArgs<N> & HintArgs<N>;

/** Builds a diagnostic from the catalog: `diagnostic('RefNotFound', {name, suggestion}, loc)`. */
export function diagnostic<N extends ErrorName>(
  name: N,
  args: ArgsOf<N>,
  location?: SourceLocation,
  severity: 'error' | 'warning' = 'error',
): Diagnostic {
  const entry = ERRORS[name];
  const message = (entry.message as (a: ArgsOf<N>) => string)(args);
  const rawHint = entry.hint as string | ((a: ArgsOf<N>) => string);
  const hint = typeof rawHint === 'function' ? rawHint(args) : rawHint;
  return { code: entry.code, name, title: entry.title, message, hint, location, severity };
}

/** Throws a single-diagnostic DpfError. */
export function fail<N extends ErrorName>(name: N, args: ArgsOf<N>, location?: SourceLocation): never {
  throw new DpfError([diagnostic(name, args, location)]);
}

/** Collects diagnostics during a stage so that all of them are reported at once. */
export class DiagnosticBag {
  readonly items: Diagnostic[] = [];

  add(d: Diagnostic): void {
    this.items.push(d);
  }

  /** Runs fn; a DpfError it throws is collected instead of propagated. */
  collect<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (err) {
      if (err instanceof DpfError) {
        for (const d of err.diagnostics) this.add(d);
        return undefined;
      }
      throw err;
    }
  }

  get errors(): Diagnostic[] {
    return this.items.filter((d) => d.severity === 'error');
  }

  get warnings(): Diagnostic[] {
    return this.items.filter((d) => d.severity === 'warning');
  }

  throwIfErrors(): void {
    if (this.errors.length > 0) throw new DpfError(this.errors);
  }
}

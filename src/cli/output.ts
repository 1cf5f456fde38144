/** Where the CLI writes, with every profile secret redacted from every line. */
import { redactStrings, secretRedactor } from '../compiler/redact-secrets.js';

export interface CliIO {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
}

export interface Output {
  out(text: string): void;
  err(text: string): void;
  /** One JSON event per line: its values are redacted before it is serialized. */
  outJson(event: object): void;
  errJson(event: object): void;
  /** Adds values that must never be printed (profile secrets). */
  addSecrets(values: readonly string[]): void;
  /** A text with every secret replaced, as written and as JSON escapes it. */
  redact(text: string): string;
}

export function createOutput(io: CliIO): Output {
  const secrets: string[] = [];
  let redactor = secretRedactor([]);
  const redact = (text: string) => (secrets.length === 0 ? text : redactor(text));
  // Lines are redacted once more as text: a JSON event that was serialized before it got here
  // (a caller using out(JSON.stringify(...))) still loses its secrets in their escaped form.
  const json = (event: object) => redact(JSON.stringify(secrets.length === 0 ? event : redactStrings(event, redact)));
  return {
    out: (text) => io.stdout(redact(text) + '\n'),
    err: (text) => io.stderr(redact(text) + '\n'),
    outJson: (event) => io.stdout(json(event) + '\n'),
    errJson: (event) => io.stderr(json(event) + '\n'),
    addSecrets: (values) => {
      for (const v of values) if (v && !secrets.includes(v)) secrets.push(v);
      redactor = secretRedactor(secrets);
    },
    redact,
  };
}

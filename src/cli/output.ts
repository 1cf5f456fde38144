/** Where the CLI writes, with every profile secret redacted from every line. */

export interface CliIO {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
}

export interface Output {
  out(text: string): void;
  err(text: string): void;
  /** Adds values that must never be printed (profile secrets). */
  addSecrets(values: readonly string[]): void;
  redact(text: string): string;
}

export function createOutput(io: CliIO): Output {
  const secrets: string[] = [];
  const redact = (text: string) => secrets.reduce((t, s) => t.split(s).join('****'), text);
  return {
    out: (text) => io.stdout(redact(text) + '\n'),
    err: (text) => io.stderr(redact(text) + '\n'),
    addSecrets: (values) => {
      for (const v of values) if (v && !secrets.includes(v)) secrets.push(v);
      secrets.sort((a, b) => b.length - a.length);
    },
    redact,
  };
}

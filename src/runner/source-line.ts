/**
 * Maps an engine error back to a line of the model file. Engines report "LINE n:" of the
 * statement they ran; that line's text is looked up in the model's raw SQL (helpers render
 * in place, so most lines survive compilation unchanged).
 */
export function sourceLineOf(engineMessage: string, statement: string, rawCode: string): number | undefined {
  const m = /LINE (\d+):/i.exec(engineMessage) ?? /line (\d+):(\d+)/i.exec(engineMessage);
  if (!m) return undefined;
  return rawLineOf(statement, Number(m[1]), rawCode);
}

/** The line of the model's raw SQL that line `executedLine` (1-based) of `statement` came from. */
export function rawLineOf(statement: string, executedLine: number, rawCode: string): number | undefined {
  const executed = statement.split('\n')[executedLine - 1];
  if (executed === undefined) return undefined;
  const wanted = normalize(executed);
  if (!wanted) return undefined;
  const rawLines = rawCode.split('\n');
  const exact = rawLines.findIndex((l) => normalize(l) === wanted);
  if (exact >= 0) return exact + 1;
  // Lines with helpers differ after rendering: match the text around the helper calls. A
  // line without helpers would have matched exactly, so "select" alone is no candidate.
  const pieces = (l: string) => l.split(/\{\{[^}]*\}\}/).map(normalize).filter((p) => p.length > 2);
  const candidates = rawLines
    .map((l, i) => ({ i, parts: l.includes('{{') ? pieces(l) : [] }))
    .filter(({ parts }) => parts.length > 0 && parts.every((p) => wanted.includes(p)));
  return candidates.length === 1 ? candidates[0]!.i + 1 : undefined;
}

function normalize(line: string): string {
  return line.trim().replace(/\s+/g, ' ');
}

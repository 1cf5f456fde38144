/**
 * A timestamp as an engine prints it, as epoch milliseconds (NaN when it is not one): without
 * a zone it is UTC; with one it may be `+01:00`, `+0100`, `+01` (DuckDB's timestamptz) or a
 * trailing ` UTC` (Trino). History, monitors and freshness read engine text through here.
 */
export function parseEngineTimestamp(text: string): number {
  let t = text.trim().replace(' ', 'T').replace(/[ T]UTC$/, 'Z');
  if (/[+-]\d\d$/.test(t)) t = `${t}:00`;
  else if (!/[zZ]$|[+-]\d\d:?\d\d$/.test(t)) t = `${t}Z`;
  return Date.parse(t);
}

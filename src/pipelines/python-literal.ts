/**
 * Python source literals for values that come from users' files (pipeline descriptions, names,
 * selectors, paths), so that the Airflow export writes them as data and never as code: a value
 * with quotes, backslashes, newlines or `"""` stays inside its string. Strings are written in
 * ASCII with escapes (\n, \", \u00e9, \U0001f600), which every Python 3 reads the same whatever
 * the file's encoding. Shell words for BashOperator commands are quoted here too.
 */

/** A Python string literal holding exactly `text`. */
export function pythonString(text: string): string {
  let out = '"';
  for (const char of text) {
    const code = char.codePointAt(0)!;
    if (char === '"' || char === '\\') out += `\\${char}`;
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    else if (code >= 0x20 && code < 0x7f) out += char;
    else if (code <= 0xffff) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += `\\U${code.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

/** A Python literal for JSON-like data: str, int/float, bool, None, list, dict. */
export function pythonLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'string') return pythonString(value);
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`pythonLiteral: ${value} has no Python literal`);
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map(pythonLiteral).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value as Record<string, unknown>).map(([k, v]) => `${pythonString(k)}: ${pythonLiteral(v)}`).join(', ')}}`;
  }
  throw new Error(`pythonLiteral: a ${typeof value} has no Python literal`);
}

/** One word for bash: as is when it holds only safe characters, else in single quotes. */
export function shellWord(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

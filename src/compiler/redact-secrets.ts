/**
 * The one way profile secrets leave dpf: redacted. Values are redacted before they are
 * serialized (redactStrings), so a secret holding " or \ — which JSON writes as \" and \\ —
 * cannot slip through as its escaped form; text already serialized elsewhere is redacted in
 * every form a secret takes there (secretRedactor). Load-profile decides what is a secret.
 */

/**
 * Redacts each secret as written, as it appears inside a JSON string, and inside a JSON string
 * that is itself quoted in JSON (an error message that quotes a JSON document, logged as JSON).
 */
export function secretRedactor(secrets: readonly string[]): (text: string) => string {
  const escaped = (s: string) => JSON.stringify(s).slice(1, -1);
  const forms = [...new Set(secrets.filter((s) => s.length > 0).flatMap((s) => [s, escaped(s), escaped(escaped(s))]))].sort((a, b) => b.length - a.length);
  return (text) => forms.reduce((t, s) => (t.includes(s) ? t.split(s).join('****') : t), text);
}

/**
 * The same data with every string redacted (keys too). Redacting values, not the JSON text they become,
 * can never break the JSON (a secret "true" would turn `"pii":true` into `"pii":****`), and
 * what is built from the data afterwards (the search index) never sees a secret.
 */
export function redactStrings<T>(value: T, redact: (text: string) => string): T {
  if (typeof value === 'string') return redact(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactStrings(v, redact)) as T;
  // Only plain objects are rebuilt: a Date or a Buffer keeps its own JSON form.
  if (value && typeof value === 'object' && [Object.prototype, null].includes(Object.getPrototypeOf(value))) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [redact(k), redactStrings(v, redact)])) as T;
  }
  return value;
}

/** Standard-SQL quoting and literals, shared by dialects that do not differ here. */
import type { Relation } from './relation.js';
import type { Dialect, LogicalType, MaskMethod } from './adapter.js';

export function quoteDoubled(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Standard SQL (DuckDB, Trino): a quote is doubled and a backslash is an ordinary character. */
export function stringLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export function ansiDialect(typeNames: Record<LogicalType, string>, hashText: (text: string) => string): Dialect {
  const dialect: Dialect = {
    quoteIdentifier: quoteDoubled,
    stringLiteral,
    renderRelation(r: Relation): string {
      const parts = r.database ? [r.database, r.schema, r.identifier] : [r.schema, r.identifier];
      return parts.map(quoteDoubled).join('.');
    },
    literal(value, type): string {
      if (value === null || value === '') return `cast(null as ${typeNames[type]})`;
      switch (type) {
        case 'boolean':
          return String(value).toLowerCase() === 'true' ? 'true' : 'false';
        case 'integer':
        case 'bigint':
        case 'double':
          if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(String(value))) {
            return `cast(${stringLiteral(String(value))} as ${typeNames[type]})`;
          }
          return String(value);
        case 'date':
          return `date ${stringLiteral(String(value))}`;
        case 'timestamp':
          return `timestamp ${stringLiteral(String(value).replace('T', ' ').replace(/Z$/, ''))}`;
        case 'text':
          return stringLiteral(String(value));
      }
    },
    typeName: (type) => typeNames[type],
    maskExpression: (method, column, type) => maskExpression(method, column, type, typeNames.text, hashText),
  };
  return dialect;
}

const TEXT_TYPE = /^\s*(varchar|char|character|text|string|bpchar|nvarchar)\b/i;

function maskExpression(method: MaskMethod, column: string, type: string | undefined, text: string, hashText: (text: string) => string): string {
  if (type !== undefined && !TEXT_TYPE.test(type)) return `cast(null as ${type})`;
  const value = `cast(${column} as ${text})`;
  switch (method) {
    case 'hash':
      return hashText(value);
    case 'redact':
      return `case when ${column} is null then null else ${stringLiteral('***')} end`;
    case 'null':
      return `cast(null as ${text})`;
    case 'partial':
      return `substr(${value}, 1, 1) || ${stringLiteral('***')}`;
  }
}

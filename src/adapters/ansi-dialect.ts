/** Standard-SQL quoting and literals, shared by dialects that do not differ here. */
import type { Relation } from './relation.js';
import type { Dialect, LogicalType } from './adapter.js';

export function quoteDoubled(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Standard SQL (DuckDB, Trino): a quote is doubled and a backslash is an ordinary character. */
export function stringLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

export function ansiDialect(typeNames: Record<LogicalType, string>): Dialect {
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
  };
  return dialect;
}

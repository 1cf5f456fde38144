/**
 * A query over a relation with its masked columns masked and the others as they are, in the
 * relation's own column order: what a masking target's views of sources and of another
 * environment's relations select (docs/governance.md#masked-copies). The columns and their
 * types are asked of the engine (a query for no rows), so a hash is never put where a number
 * or a date belongs.
 */
import type { Connection, Dialect } from '../../adapters/adapter.js';
import type { ColumnMasks } from './column-masks.js';

export async function maskedSelect(connection: Connection, dialect: Dialect, relationSql: string, masks: ColumnMasks): Promise<string> {
  const { columns } = await connection.query(`select * from ${relationSql} where 1 = 0`);
  const list = columns.map((c) => {
    const name = dialect.quoteIdentifier(c.name);
    const method = masks.get(c.name.toLowerCase());
    return method ? `${dialect.maskExpression(method, name, c.type)} as ${name}` : name;
  });
  return `select ${list.join(', ')}\nfrom ${relationSql}`;
}

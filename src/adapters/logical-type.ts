/**
 * The logical type closest to an engine's type name ("decimal(10,2)" -> double), for literals.
 * Lives with the adapters because they render values by it (appendRows on engines that take
 * rows as SQL); the compiler's seed reading uses it too, from here.
 */
import type { LogicalType } from './adapter.js';

export function logicalTypeOf(engineType: string): LogicalType {
  const t = engineType.toLowerCase();
  if (/bool/.test(t)) return 'boolean';
  if (/^(tinyint|smallint|int|integer|int4|int2)\b/.test(t)) return 'integer';
  if (/^(bigint|int8|hugeint|long)\b/.test(t)) return 'bigint';
  if (/^(double|float|real|decimal|numeric)/.test(t)) return 'double';
  if (/^date$/.test(t)) return 'date';
  if (/^timestamp/.test(t) || /^datetime/.test(t)) return 'timestamp';
  return 'text';
}

import { describe, expect, it } from 'vitest';
import { relationsToRefs, type RefTarget } from './relation-refs.js';

const targets: RefTarget[] = [
  { database: 'dev', schema: 'main', identifier: 'fct_orders', call: '{{ref "fct_orders"}}' },
  { database: 'dev', schema: 'main', identifier: 'dim_customers', call: '{{ref "dim_customers"}}' },
  { database: 'dev', schema: 'raw', identifier: 'sessions', call: '{{source "web" "sessions"}}' },
];

describe('relationsToRefs', () => {
  it('turns qualified relation names, quoted or not, any case, into ref and source calls', () => {
    const out = relationsToRefs('select * from "main"."fct_orders" o join MAIN.dim_customers c on c.id = o.customer_id, dev.raw.sessions', targets);
    expect(out.sql).toBe('select * from {{ref "fct_orders"}} o join {{ref "dim_customers"}} c on c.id = o.customer_id, {{source "web" "sessions"}}');
    expect(out.refs).toEqual(['{{ref "fct_orders"}}', '{{ref "dim_customers"}}', '{{source "web" "sessions"}}']);
  });

  it('turns a bare name into a ref only after from or join, and never a CTE, a column, a literal or a comment', () => {
    const sql = [
      "with dim_customers as (select 1 as id) -- from main.fct_orders",
      "select fct_orders.status, 'from main.fct_orders' as note /* join fct_orders */",
      'from fct_orders join dim_customers on true join other.fct_orders x on true',
    ].join('\n');
    const out = relationsToRefs(sql, targets);
    expect(out.sql).toBe(sql.replace('\nfrom fct_orders join', '\nfrom {{ref "fct_orders"}} join'));
    expect(out.refs).toEqual(['{{ref "fct_orders"}}']);
  });

  it('leaves SQL naming no relation of the project as it is', () => {
    expect(relationsToRefs('select * from range(10)', targets)).toEqual({ sql: 'select * from range(10)', refs: [] });
  });
});

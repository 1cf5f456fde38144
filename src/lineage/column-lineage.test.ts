/**
 * Column lineage over a shop project (orders, customers, payments): each SQL shape must give
 * exactly the expected edges on both engines. Trino reads the same SQL with three-part names
 * (a few shapes use DuckDB's `x::type`, which the parser reads for either engine).
 */
import { describe, expect, it } from 'vitest';
import { columnLineage, type ColumnSource, type LineageRelation } from './column-lineage.js';

type Engine = 'duckdb' | 'trino';

const ORDERS = 'model.shop.stg_orders';
const CUSTOMERS = 'model.shop.stg_customers';
const PAYMENTS = 'model.shop.stg_payments';
const REFUNDS = 'model.shop.stg_refunds';
const SHIPMENTS = 'model.shop.stg_shipments';
const RAW_CUSTOMERS = 'source.shop.raw.customers';

const RELATIONS: readonly LineageRelation[] = [
  { nodeId: ORDERS, schema: 'main', identifier: 'stg_orders', columns: ['order_id', 'customer_id', 'ordered_at', 'status', 'amount'] },
  { nodeId: CUSTOMERS, schema: 'main', identifier: 'stg_customers', columns: ['customer_id', 'first_name', 'last_name', 'email'] },
  { nodeId: PAYMENTS, schema: 'main', identifier: 'stg_payments', columns: ['payment_id', 'order_id', 'payment_method', 'amount'] },
  { nodeId: REFUNDS, schema: 'main', identifier: 'stg_refunds', columns: [] },
  { nodeId: SHIPMENTS, schema: 'main', identifier: 'stg_shipments', columns: [] },
  { nodeId: RAW_CUSTOMERS, schema: 'raw', identifier: 'customers', columns: ['id', 'First Name', 'LastName', 'signed up at'] },
];

/** On Trino the same relations live in catalog `lake`; the models in schema `analytics`. */
function forEngine(engine: Engine, sql: string): { sql: string; relations: readonly LineageRelation[] } {
  if (engine === 'duckdb') return { sql, relations: RELATIONS };
  const trinoSchema = (schema: string) => (schema === 'main' ? 'analytics' : schema);
  return {
    sql: sql.replace(/"(main|raw)"\./g, (_, schema: string) => `"lake"."${trinoSchema(schema)}".`),
    relations: RELATIONS.map((r) => ({ ...r, database: 'lake', schema: trinoSchema(r.schema) })),
  };
}

function lineage(engine: Engine, sql: string) {
  return columnLineage({ engine, ...forEngine(engine, sql) });
}

const from = (nodeId: string) => (...columns: string[]): ColumnSource[] => columns.map((column) => ({ nodeId, column }));
const o = from(ORDERS);
const c = from(CUSTOMERS);
const p = from(PAYMENTS);
const r = from(REFUNDS);
const raw = from(RAW_CUSTOMERS);

interface Shape {
  readonly name: string;
  readonly sql: string;
  readonly columns: Record<string, ColumnSource[]>;
  /** DuckDB-only syntax; everything else runs on both engines. */
  readonly duckdbOnly?: boolean;
}

const SHAPES: readonly Shape[] = [
  {
    name: 'simple select with column aliases',
    sql: `select order_id as id, customer_id, status as order_status from "main"."stg_orders"`,
    columns: { id: o('order_id'), customer_id: o('customer_id'), order_status: o('status') },
  },
  {
    name: 'select * expanded from the known columns',
    sql: `select * from "main"."stg_customers"`,
    columns: { customer_id: c('customer_id'), first_name: c('first_name'), last_name: c('last_name'), email: c('email') },
  },
  {
    name: 't.* with table aliases, next to another column',
    sql: `select c.*, o.order_id from "main"."stg_orders" as o join "main"."stg_customers" as c on c.customer_id = o.customer_id`,
    columns: {
      customer_id: c('customer_id'), first_name: c('first_name'), last_name: c('last_name'), email: c('email'),
      order_id: o('order_id'),
    },
  },
  {
    name: 'the table name as qualifier when there is no alias',
    sql: `select stg_orders.order_id, stg_orders.amount from "main"."stg_orders"`,
    columns: { order_id: o('order_id'), amount: o('amount') },
  },
  {
    name: 'inner join with qualified columns',
    sql: `select o.order_id, c.first_name, c.last_name
          from "main"."stg_orders" o inner join "main"."stg_customers" c on o.customer_id = c.customer_id`,
    columns: { order_id: o('order_id'), first_name: c('first_name'), last_name: c('last_name') },
  },
  {
    name: 'left join: unqualified columns found in the one relation that has them',
    sql: `select payment_id, payment_method, status, ordered_at
          from "main"."stg_orders" o left join "main"."stg_payments" p on p.order_id = o.order_id`,
    columns: { payment_id: p('payment_id'), payment_method: p('payment_method'), status: o('status'), ordered_at: o('ordered_at') },
  },
  {
    name: 'join using: the join column comes from both sides',
    sql: `select customer_id, first_name, order_id from "main"."stg_orders" join "main"."stg_customers" using (customer_id)`,
    columns: { customer_id: [...c('customer_id'), ...o('customer_id')], first_name: c('first_name'), order_id: o('order_id') },
  },
  {
    name: 'select * over a join using lists the join column once',
    sql: `select * from "main"."stg_orders" left join "main"."stg_customers" using (customer_id)`,
    columns: {
      order_id: o('order_id'), customer_id: [...c('customer_id'), ...o('customer_id')], ordered_at: o('ordered_at'),
      status: o('status'), amount: o('amount'), first_name: c('first_name'), last_name: c('last_name'), email: c('email'),
    },
  },
  {
    name: 'a CTE',
    sql: `with orders as (select order_id, amount as order_total from "main"."stg_orders")
          select order_id, order_total from orders`,
    columns: { order_id: o('order_id'), order_total: o('amount') },
  },
  {
    name: 'chained CTEs, each reading the one before',
    sql: `with payments as (
            select order_id, sum(amount) as paid from "main"."stg_payments" group by order_id
          ), orders as (
            select o.order_id, o.customer_id, p.paid
            from "main"."stg_orders" o left join payments p on p.order_id = o.order_id
          ), customer_totals as (
            select customer_id, sum(paid) as lifetime_value from orders group by customer_id
          )
          select c.customer_id, c.first_name, t.lifetime_value
          from "main"."stg_customers" c left join customer_totals t on t.customer_id = c.customer_id`,
    columns: { customer_id: c('customer_id'), first_name: c('first_name'), lifetime_value: p('amount') },
  },
  {
    name: 'a CTE with a column list',
    sql: `with totals (customer_id, total) as (select customer_id, sum(amount) from "main"."stg_orders" group by 1)
          select customer_id, total from totals`,
    columns: { customer_id: o('customer_id'), total: o('amount') },
  },
  {
    name: 'a recursive CTE: its later branches read its first',
    sql: `with recursive days (day) as (
            select cast(min(ordered_at) as date) from "main"."stg_orders"
            union all
            select cast(day + interval '1' day as date) from days where day < current_date
          )
          select day from days`,
    columns: { day: o('ordered_at') },
  },
  {
    name: 'select * through a CTE',
    sql: `with customers as (
            select customer_id, first_name || ' ' || last_name as full_name from "main"."stg_customers"
          )
          select * from customers`,
    columns: { customer_id: c('customer_id'), full_name: c('first_name', 'last_name') },
  },
  {
    name: 'subquery in FROM',
    sql: `select big.order_id, big.amount_usd
          from (select order_id, amount / 100.0 as amount_usd from "main"."stg_orders" where amount > 10000) as big`,
    columns: { order_id: o('order_id'), amount_usd: o('amount') },
  },
  {
    name: 'sub.* through a subquery',
    sql: `select s.*, c.email
          from (select customer_id, count(*) as order_count from "main"."stg_orders" group by customer_id) s
          join "main"."stg_customers" c using (customer_id)`,
    columns: { customer_id: o('customer_id'), order_count: [], email: c('email') },
  },
  {
    name: 'a subquery with a column list',
    sql: `select s.customer, s.orders
          from (select customer_id, count(*) from "main"."stg_orders" group by 1) as s (customer, orders)`,
    columns: { customer: o('customer_id'), orders: [] },
  },
  {
    name: 'unnest in FROM: its column comes from what it unnests',
    sql: `select o.order_id, u.tag
          from "main"."stg_orders" o cross join unnest(array[o.status, o.customer_id]) as u (tag)`,
    columns: { order_id: o('order_id'), tag: o('customer_id', 'status') },
  },
  {
    name: 'VALUES in FROM: literals',
    sql: `select v.status, v.label from (values ('returned', 'Returned'), ('completed', 'Completed')) as v (status, label)`,
    columns: { status: [], label: [] },
  },
  {
    name: 'correlated scalar subquery in the select list (on Trino, read by the PostgreSQL grammar)',
    sql: `select o.order_id,
                 (select sum(p.amount) from "main"."stg_payments" p where p.order_id = o.order_id) as paid
          from "main"."stg_orders" o`,
    columns: { order_id: o('order_id'), paid: p('amount') },
  },
  {
    name: 'aggregates with group by',
    sql: `select customer_id, sum(amount) as total, avg(amount) as average, max(ordered_at) as last_ordered_at
          from "main"."stg_orders" group by customer_id`,
    columns: { customer_id: o('customer_id'), total: o('amount'), average: o('amount'), last_ordered_at: o('ordered_at') },
  },
  {
    name: 'count(*) has no sources; count(distinct x) has x',
    sql: `select customer_id, count(*) as order_count, count(distinct status) as statuses
          from "main"."stg_orders" group by 1`,
    columns: { customer_id: o('customer_id'), order_count: [], statuses: o('status') },
  },
  {
    name: 'row_number() over (partition by … order by …)',
    sql: `select order_id, row_number() over (partition by customer_id order by ordered_at) as order_seq
          from "main"."stg_orders"`,
    columns: { order_id: o('order_id'), order_seq: o('customer_id', 'ordered_at') },
  },
  {
    name: 'window aggregate with a frame',
    sql: `select order_id,
                 sum(amount) over (partition by customer_id order by ordered_at
                                   rows between unbounded preceding and current row) as running_total
          from "main"."stg_orders"`,
    columns: { order_id: o('order_id'), running_total: o('amount', 'customer_id', 'ordered_at') },
  },
  {
    name: 'named window',
    sql: `select order_id, rank() over w as amount_rank
          from "main"."stg_orders" window w as (partition by customer_id order by amount desc)`,
    columns: { order_id: o('order_id'), amount_rank: o('amount', 'customer_id') },
  },
  {
    name: 'searched CASE: conditions and branches',
    sql: `select order_id,
                 case when status = 'returned' then 0 when amount > 100 then amount * 0.9 else amount end as net_amount
          from "main"."stg_orders"`,
    columns: { order_id: o('order_id'), net_amount: o('amount', 'status') },
  },
  {
    name: 'simple CASE',
    sql: `select payment_id,
                 case payment_method when 'credit_card' then 'card' when 'coupon' then 'gift' else 'other' end as method_group
          from "main"."stg_payments"`,
    columns: { payment_id: p('payment_id'), method_group: p('payment_method') },
  },
  {
    name: 'casts: x::type and cast(x as type)',
    sql: `select order_id::varchar as order_key, cast(amount as decimal(10, 2)) as amount, ordered_at::date as order_date
          from "main"."stg_orders"`,
    columns: { order_key: o('order_id'), amount: o('amount'), order_date: o('ordered_at') },
  },
  {
    name: 'string functions, concatenation and arithmetic combining columns',
    sql: `select lower(trim(email)) as email,
                 upper(substring(first_name, 1, 1)) || '. ' || last_name as short_name,
                 length(first_name) + length(last_name) as name_length
          from "main"."stg_customers"`,
    columns: { email: c('email'), short_name: c('first_name', 'last_name'), name_length: c('first_name', 'last_name') },
  },
  {
    name: 'a column used twice is listed once',
    sql: `select order_id, amount - amount * 0.1 as discounted from "main"."stg_orders"`,
    columns: { order_id: o('order_id'), discounted: o('amount') },
  },
  {
    name: 'COALESCE across joined relations',
    sql: `select o.order_id, coalesce(p.amount, o.amount, 0) as amount
          from "main"."stg_orders" o left join "main"."stg_payments" p on p.order_id = o.order_id`,
    columns: { order_id: o('order_id'), amount: [...o('amount'), ...p('amount')] },
  },
  {
    name: 'UNION ALL: output column i comes from column i of every branch',
    sql: `select customer_id as id, 'customer' as kind from "main"."stg_customers"
          union all
          select order_id, status from "main"."stg_orders"`,
    columns: { id: [...c('customer_id'), ...o('order_id')], kind: o('status') },
  },
  {
    name: 'UNION of three branches, one of literals',
    sql: `select order_id as id, amount from "main"."stg_orders"
          union select payment_id, amount from "main"."stg_payments"
          union select 0, 0`,
    columns: { id: [...o('order_id'), ...p('payment_id')], amount: [...o('amount'), ...p('amount')] },
  },
  {
    name: 'literals are resolved and have no sources',
    sql: `select 1 as version, 'shop' as project, null as nothing, true as flag, date '2024-01-01' as since`,
    columns: { version: [], project: [], nothing: [], flag: [], since: [] },
  },
  {
    name: 'DISTINCT',
    sql: `select distinct customer_id, status from "main"."stg_orders"`,
    columns: { customer_id: o('customer_id'), status: o('status') },
  },
  {
    name: 'a CTE named like the table it reads',
    sql: `with stg_orders as (select order_id, amount * 100 as amount_cents from "main"."stg_orders")
          select order_id, amount_cents from stg_orders`,
    columns: { order_id: o('order_id'), amount_cents: o('amount') },
  },
  {
    name: 'a WITH inside a subquery shadows the outer CTE of the same name',
    sql: `with totals as (select customer_id, sum(amount) as total from "main"."stg_orders" group by customer_id)
          select t.customer_id, t.total from (
            with totals as (
              select customer_id, sum(p.amount) as total
              from "main"."stg_payments" p join "main"."stg_orders" o using (order_id)
              group by customer_id
            )
            select customer_id, total from totals
          ) t`,
    columns: { customer_id: o('customer_id'), total: p('amount') },
  },
  {
    name: 'quoted identifiers with spaces and capitals',
    sql: `select id as customer_id, "First Name" as first_name, c."LastName" as last_name, "signed up at"::date as signed_up_on
          from "raw"."customers" c`,
    columns: {
      customer_id: raw('id'), first_name: raw('First Name'), last_name: raw('LastName'), signed_up_on: raw('signed up at'),
    },
  },
  {
    name: 'names match case-insensitively; an unaliased column is named as its relation spells it',
    sql: `select ID as customer_id, "first name", c.lastname from "RAW"."Customers" c`,
    columns: { customer_id: raw('id'), 'First Name': raw('First Name'), LastName: raw('LastName') },
  },
  {
    name: 'columns only in WHERE, JOIN, GROUP BY, HAVING and ORDER BY are not sources',
    sql: `select c.first_name, count(*) as order_count
          from "main"."stg_customers" c join "main"."stg_orders" o on o.customer_id = c.customer_id
          where o.status = 'completed'
          group by c.first_name having sum(o.amount) > 100
          order by max(o.ordered_at) desc limit 10`,
    columns: { first_name: c('first_name'), order_count: [] },
  },
  {
    name: 'date functions: extract, date_trunc and interval arithmetic',
    sql: `select extract(year from ordered_at) as order_year, date_trunc('month', ordered_at) as order_month,
                 ordered_at + interval '30' day as due_at
          from "main"."stg_orders"`,
    columns: { order_year: o('ordered_at'), order_month: o('ordered_at'), due_at: o('ordered_at') },
  },
  {
    name: 'IN and EXISTS subqueries in the select list',
    sql: `select o.order_id,
                 o.order_id in (select order_id from "main"."stg_payments") as has_payment,
                 exists (select 1 from "main"."stg_payments" p where p.order_id = o.order_id) as is_paid
          from "main"."stg_orders" o`,
    columns: { order_id: o('order_id'), has_payment: [...o('order_id'), ...p('order_id')], is_paid: [] },
  },
  {
    name: 'aggregate FILTER clause: the filter counts like a CASE condition',
    sql: `select customer_id,
                 count(*) filter (where status = 'returned') as returns,
                 sum(amount) filter (where status = 'completed') as completed_revenue
          from "main"."stg_orders" group by customer_id`,
    columns: { customer_id: o('customer_id'), returns: o('status'), completed_revenue: o('amount', 'status') },
  },
  {
    name: 'an unaliased expression is named _col<position> (DuckDB and Trino name it differently)',
    sql: `select upper(status), order_id from "main"."stg_orders"`,
    columns: { _col0: o('status'), order_id: o('order_id') },
  },
  {
    name: 'a relation with unknown columns: references are traced to it by name',
    sql: `select r.refund_id, reason from "main"."stg_refunds" r`,
    columns: { refund_id: r('refund_id'), reason: r('reason') },
  },
  {
    name: 'a join where one side has unknown columns: a name the other side lacks comes from it',
    sql: `select o.order_id, refund_reason
          from "main"."stg_orders" o join "main"."stg_refunds" r on r.order_id = o.order_id`,
    columns: { order_id: o('order_id'), refund_reason: r('refund_reason') },
  },
  {
    name: 'select * over unknown columns inside a CTE: named columns pass through',
    sql: `with refunds as (select * from "main"."stg_refunds") select refund_id from refunds`,
    columns: { refund_id: r('refund_id') },
  },
  {
    name: 'TRY_CAST',
    sql: `select order_id, try_cast(status as integer) as status_code from "main"."stg_orders"`,
    columns: { order_id: o('order_id'), status_code: o('status') },
  },
  {
    name: 'DuckDB: a later select item uses an earlier alias',
    sql: `select order_id, amount / 100 as amount_usd, amount_usd * 1.2 as amount_with_tax from "main"."stg_orders"`,
    columns: { order_id: o('order_id'), amount_usd: o('amount'), amount_with_tax: o('amount') },
    duckdbOnly: true,
  },
  {
    name: 'DuckDB: QUALIFY, with a quoted column',
    sql: `select id, "First Name"::varchar as first_name from "raw"."customers"
          qualify row_number() over (partition by "LastName" order by id) = 1`,
    columns: { id: raw('id'), first_name: raw('First Name') },
    duckdbOnly: true,
  },
  {
    name: 'DuckDB: GROUP BY ALL',
    sql: `select customer_id, sum(amount) as total from "main"."stg_orders" group by all`,
    columns: { customer_id: o('customer_id'), total: o('amount') },
    duckdbOnly: true,
  },
  {
    name: 'DuckDB: select * exclude (…)',
    sql: `select * exclude (status, amount) from "main"."stg_orders"`,
    columns: { order_id: o('order_id'), customer_id: o('customer_id'), ordered_at: o('ordered_at') },
    duckdbOnly: true,
  },
];

const TRINO_SHAPES: readonly Shape[] = [
  {
    name: 'Trino: a lambda parameter is not a column',
    sql: `select order_id, transform(array[amount], x -> x * 2) as doubled from "main"."stg_orders"`,
    columns: { order_id: o('order_id'), doubled: o('amount') },
  },
];

describe.each(['duckdb', 'trino'] as const)('column lineage on %s', (engine) => {
  const shapes = engine === 'duckdb' ? SHAPES : [...SHAPES.filter((s) => !s.duckdbOnly), ...TRINO_SHAPES];
  it.each(shapes)('$name', ({ sql, columns }) => {
    expect(lineage(engine, sql)).toEqual({ status: 'ok', columns, unresolved: [] });
  });
});

describe('columns that cannot be traced', () => {
  it('an unqualified column with two joined relations whose columns are unknown', () => {
    const result = lineage('duckdb', `select r.refund_id, shipped_at
      from "main"."stg_refunds" r join "main"."stg_shipments" s on s.order_id = r.order_id`);
    expect(result).toMatchObject({
      status: 'partial',
      columns: { refund_id: r('refund_id'), shipped_at: [] },
      unresolved: ['shipped_at'],
    });
    expect(result.reason).toMatch(/shipped_at could come from r or s/);
  });

  it('select * over a relation whose columns are unknown', () => {
    const result = lineage('duckdb', `select * from "main"."stg_refunds"`);
    expect(result).toMatchObject({ status: 'partial', columns: { 'stg_refunds.*': [] }, unresolved: ['stg_refunds.*'] });
    expect(result.reason).toMatch(/columns of "main"."stg_refunds" are unknown/);
  });

  it('a table that is not one of the model’s refs or sources', () => {
    const result = lineage('trino', `select o.order_id, x.label from "main"."stg_orders" o join "main"."lookup" x on x.id = o.status`);
    expect(result).toMatchObject({ status: 'partial', columns: { order_id: o('order_id'), label: [] }, unresolved: ['label'] });
    expect(result.reason).toMatch(/"lake"."analytics"."lookup" is not one of this model's refs or sources/);
  });

  it('an unqualified column that two joined relations both have', () => {
    const result = lineage('duckdb', `select order_id
      from "main"."stg_orders" o join "main"."stg_payments" p on p.order_id = o.order_id`);
    expect(result).toEqual({
      status: 'partial',
      reason: '1 of 1 output columns could not be traced: order_id is in more than one of the joined relations.',
      columns: { order_id: [] },
      unresolved: ['order_id'],
    });
  });

  it('a table function that reads files: its columns come from the files, so they cannot be traced', () => {
    const result = lineage('duckdb', `select session_id, cast(started_at as date) as day from read_csv_auto('data/sessions.csv')`);
    expect(result).toMatchObject({ status: 'partial', columns: { session_id: [], day: [] }, unresolved: ['session_id', 'day'] });
    expect(result.reason).toMatch(/read_csv_auto/);
  });

  it('a column the relation does not have', () => {
    const result = lineage('duckdb', `select order_id, discount from "main"."stg_orders"`);
    expect(result).toMatchObject({ status: 'partial', unresolved: ['discount'] });
    expect(result.reason).toMatch(/discount/);
  });

  it('an untraceable CTE column stays untraceable downstream, and its neighbours stay traced', () => {
    const result = lineage('duckdb', `with o as (select order_id, discount * amount as saved from "main"."stg_orders")
      select order_id, saved from o`);
    expect(result).toEqual({
      status: 'partial',
      reason: expect.stringMatching(/^1 of 2 output columns could not be traced: .*discount/),
      columns: { order_id: o('order_id'), saved: o('amount') },
      unresolved: ['saved'],
    });
  });
});

describe('output columns that share a name', () => {
  it('are one entry with the sources of both', () => {
    expect(lineage('duckdb', `select o.customer_id, c.customer_id
      from "main"."stg_orders" o join "main"."stg_customers" c on c.customer_id = o.customer_id`))
      .toEqual({ status: 'ok', columns: { customer_id: [...c('customer_id'), ...o('customer_id')] }, unresolved: [] });
  });
});

describe('SQL that cannot be parsed', () => {
  const unparsed = (sql: string) => expect(lineage('duckdb', sql)).toEqual({
    status: 'unparsed', reason: expect.any(String), columns: {}, unresolved: [],
  });

  it('a typo: the reason gives the position and the parser’s message', () => {
    unparsed('selec order_id frm "main"."stg_orders"');
    expect(lineage('duckdb', 'selec order_id frm "main"."stg_orders"').reason)
      .toMatch(/^node-sql-parser could not parse this SQL at line 1, column 7: Expected .* but "o" found\.$/);
  });

  it('DuckDB FROM-first syntax', () => unparsed('from "main"."stg_orders" select order_id'));

  it('DuckDB select * replace (…)', () => unparsed('select * replace (amount / 100 as amount) from "main"."stg_orders"'));

  it('DuckDB union by name', () => unparsed('select * from "main"."stg_orders" union by name select * from "main"."stg_payments"'));

  it('a statement that is not a SELECT', () => {
    unparsed('delete from "main"."stg_orders"');
    expect(lineage('duckdb', 'delete from "main"."stg_orders"').reason).toMatch(/not a SELECT/);
  });

  it('more than one statement', () => unparsed('select 1 as a; select 2 as b'));

  it('an empty model', () => unparsed(''));
});

import { describe, expect, it } from 'vitest';
import { relationMentions, withoutLiterals } from './relation-mentions.js';

const relations = [
  { database: 'iceberg', schema: 'shop', identifier: 'dim_customers' },
  { database: 'iceberg', schema: 'shop', identifier: 'raw_customers' },
  { database: 'iceberg', schema: 'shop', identifier: 'orders' },
  { database: 'iceberg', schema: 'other', identifier: 'orders' },
];
const names = (sql: string) => [...relationMentions(sql, relations)].sort().map((i) => `${relations[i]!.schema}.${relations[i]!.identifier}`);

describe('relationMentions', () => {
  it('finds qualified names, quoted or not, in any case', () => {
    expect(names('select * from iceberg.shop.dim_customers')).toEqual(['shop.dim_customers']);
    expect(names('SELECT * FROM "ICEBERG" . "Shop"."DIM_CUSTOMERS" c join shop.raw_customers r on c.id = r.id')).toEqual(['shop.dim_customers', 'shop.raw_customers']);
    expect(names('select count(*) from other.orders')).toEqual(['other.orders']);
  });

  it('finds a bare name after from or join only when one relation has it', () => {
    expect(names('select email from dim_customers where id = 1')).toEqual(['shop.dim_customers']);
    expect(names('select 1 from orders')).toEqual([]);
    expect(names('select dim_customers from t')).toEqual([]);
  });

  it('ignores names inside string literals and comments', () => {
    expect(names("select 'from dim_customers' as x -- from raw_customers\n/* join shop.orders */")).toEqual([]);
    expect(withoutLiterals("where email = 'ann@example.com' and name = 'O''Brien'")).not.toMatch(/ann|Brien/);
  });
});

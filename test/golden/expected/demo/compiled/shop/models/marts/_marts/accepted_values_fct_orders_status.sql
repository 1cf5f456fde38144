select "status" as value_field, count(*) as n_records
from "main"."fct_orders"
where "status" is not null
  and "status" not in ('placed', 'shipped', 'completed', 'returned', 'cancelled')
group by "status"

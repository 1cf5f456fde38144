select "quantity" as out_of_range_value, count(*) as n_records
from "main"."stg_order_items"
where "quantity" < 1
   or "quantity" > 100
group by "quantity"

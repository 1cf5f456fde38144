select "order_id", "product_id", count(*) as n_records
from "main"."stg_order_items"
group by "order_id", "product_id"
having count(*) > 1

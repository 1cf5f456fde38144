select *
from "main"."stg_orders"
where "order_id" is null

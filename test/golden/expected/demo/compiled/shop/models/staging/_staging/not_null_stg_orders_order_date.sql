select *
from "main"."stg_orders"
where "order_date" is null

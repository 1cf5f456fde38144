select *
from "main"."stg_orders"
where "customer_id" is null

select *
from "main"."fct_orders"
where "customer_id" is null

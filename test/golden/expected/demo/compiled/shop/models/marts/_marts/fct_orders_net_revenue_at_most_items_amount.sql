select *
from "main"."fct_orders"
where not coalesce((net_revenue between 0 and items_amount), false)

select *
from "main"."fct_orders"
where not coalesce(("items_amount" >= 0), false)

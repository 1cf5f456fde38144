select *
from "main"."fct_orders"
where not coalesce(("amount_paid" >= 0), false)

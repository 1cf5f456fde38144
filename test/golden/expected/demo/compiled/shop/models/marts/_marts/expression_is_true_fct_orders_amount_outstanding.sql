select *
from "main"."fct_orders"
where not coalesce(("amount_outstanding" = 0), false)

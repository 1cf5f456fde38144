select *
from "main"."dim_customers"
where not coalesce((number_of_orders > 0), false)

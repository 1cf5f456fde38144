select *
from "main"."dim_customers"
where "number_of_orders" is null

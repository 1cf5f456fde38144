select *
from "main"."dim_customers"
where "customer_id" is null

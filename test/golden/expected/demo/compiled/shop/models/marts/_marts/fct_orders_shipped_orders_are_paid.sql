with "__dpf_model" as (
select * from "main"."fct_orders" where status in ('shipped', 'completed')
)
select *
from "__dpf_model"
where not coalesce((payment_count > 0), false)

select "customer_segment" as value_field, count(*) as n_records
from "main"."dim_customers"
where "customer_segment" is not null
  and "customer_segment" not in ('prospect', 'one-time', 'repeat', 'loyal')
group by "customer_segment"

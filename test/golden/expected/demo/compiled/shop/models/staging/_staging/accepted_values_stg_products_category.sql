select "category" as value_field, count(*) as n_records
from "main"."stg_products"
where "category" is not null
  and "category" not in ('Apparel', 'Electronics', 'Home & Kitchen')
group by "category"

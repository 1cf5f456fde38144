select *
from "main"."stg_products"
where not coalesce(("unit_price" > 0), false)

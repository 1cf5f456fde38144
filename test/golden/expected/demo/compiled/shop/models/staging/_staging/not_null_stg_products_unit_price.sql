select *
from "main"."stg_products"
where "unit_price" is null

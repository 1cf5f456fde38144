select *
from "main"."stg_products"
where "product_id" is null

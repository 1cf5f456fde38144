select *
from "main"."low_rated_products"
where "product_id" is null

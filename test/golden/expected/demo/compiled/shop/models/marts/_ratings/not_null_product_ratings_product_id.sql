select *
from "main"."product_ratings"
where "product_id" is null

select
    cast(product_id as integer) as product_id,
    trim(product_name) as product_name,
    category,
    cast(unit_price as decimal(10, 2)) as unit_price
from "main"."raw_products"

select
    review_id,
    product_id,
    customer_id,
    rating,
    trim(body) as body,
    updated_at
from "main_partner"."reviews"

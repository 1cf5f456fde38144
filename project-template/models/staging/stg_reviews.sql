select
    review_id,
    product_id,
    customer_id,
    rating,
    trim(body) as body,
    updated_at
from {{source "partner" "reviews"}}

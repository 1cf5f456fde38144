select
    oi.order_item_id,
    oi.order_id,
    oi.product_id,
    p.product_name,
    p.category,
    oi.quantity,
    p.unit_price,
    oi.quantity * p.unit_price as line_amount
from {{ref "stg_order_items"}} as oi
join {{ref "stg_products"}} as p
    on oi.product_id = p.product_id

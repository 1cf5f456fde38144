select
    oi.order_item_id,
    oi.order_id,
    oi.product_id,
    p.product_name,
    p.category,
    oi.quantity,
    p.unit_price,
    oi.quantity * p.unit_price as line_amount
from "main"."stg_order_items" as oi
join "main"."stg_products" as p
    on oi.product_id = p.product_id

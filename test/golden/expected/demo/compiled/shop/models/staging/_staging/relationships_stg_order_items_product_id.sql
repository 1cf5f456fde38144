select child."product_id" as from_field
from "main"."stg_order_items" as child
left join "main"."stg_products" as parent
  on child."product_id" = parent."product_id"
where child."product_id" is not null
  and parent."product_id" is null

select child."order_id" as from_field
from "main"."stg_order_items" as child
left join "main"."stg_orders" as parent
  on child."order_id" = parent."order_id"
where child."order_id" is not null
  and parent."order_id" is null

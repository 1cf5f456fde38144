select *
from "main"."stg_order_items"
where "order_id" is null

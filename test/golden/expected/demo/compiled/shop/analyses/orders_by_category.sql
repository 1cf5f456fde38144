select
    category,
    count(distinct order_id) as orders
from "main"."int_order_items_priced"
group by 1
order by orders desc

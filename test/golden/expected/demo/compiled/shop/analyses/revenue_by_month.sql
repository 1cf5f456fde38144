select
    date_trunc('month', order_date) as month,
    sum(net_revenue) as revenue
from "main"."fct_orders"
group by 1
order by 1

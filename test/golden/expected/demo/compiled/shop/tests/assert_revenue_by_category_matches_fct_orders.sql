with report as (
    select revenue_month, total_revenue
    from "main_finance"."revenue_by_category"
),

orders as (
    select cast(date_trunc('month', order_date) as date) as revenue_month,
           sum(net_revenue) as total_revenue
    from "main"."fct_orders"
    group by 1
    having sum(net_revenue) <> 0
)

select
    coalesce(report.revenue_month, orders.revenue_month) as revenue_month,
    report.total_revenue as report_revenue,
    orders.total_revenue as fct_orders_revenue
from report
full outer join orders
    on report.revenue_month = orders.revenue_month
where abs(coalesce(report.total_revenue, 0) - coalesce(orders.total_revenue, 0)) > 0.01

{{config materialized="view"}}
-- A calendar of every day from reporting_start to the last order, so that days without
-- orders show up as zeros. Built from a table of digits (portable SQL: DuckDB and Trino).
with digits as (
    select n from (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as d (n)
),

calendar as (
    select cast(date {{literal (var "reporting_start")}} + day_number * interval '1' day as date) as order_date
    from (
        select thousands.n * 1000 + hundreds.n * 100 + tens.n * 10 + ones.n as day_number
        from digits as thousands
        cross join digits as hundreds
        cross join digits as tens
        cross join digits as ones
    ) as day_numbers
    where day_number <= (
        select date_diff('day', date {{literal (var "reporting_start")}}, max(order_date)) from {{ref "fct_orders"}}
    )
),

daily as (
    select
        order_date,
        count(*) as orders,
        count(*) filter (where status = 'cancelled') as cancelled_orders,
        count(*) filter (where status = 'returned') as returned_orders,
        sum(net_revenue) as net_revenue,
        sum(amount_paid) as amount_paid
    from {{ref "fct_orders"}}
    where order_date >= date {{literal (var "reporting_start")}}
    group by order_date
)

select
    calendar.order_date,
    coalesce(daily.orders, 0) as orders,
    coalesce(daily.cancelled_orders, 0) as cancelled_orders,
    coalesce(daily.returned_orders, 0) as returned_orders,
    coalesce(daily.net_revenue, 0) as net_revenue,
    coalesce(daily.amount_paid, 0) as amount_paid,
    sum(coalesce(daily.net_revenue, 0)) over (
        order by calendar.order_date
        rows between 6 preceding and current row
    ) as net_revenue_7d
from calendar
left join daily
    on calendar.order_date = daily.order_date

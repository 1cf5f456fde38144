with customer_orders as (
    select
        customer_id,
        min(order_date) as first_order_date,
        max(order_date) as most_recent_order_date,
        count(*) as number_of_orders,
        sum(net_revenue) as lifetime_value
    from "main"."fct_orders"
    where status <> 'cancelled'
    group by customer_id
)

select
    c.customer_id,
    c.full_name,
    c.email,
    c.country,
    c.signup_date,
    co.first_order_date,
    co.most_recent_order_date,
    coalesce(co.number_of_orders, 0) as number_of_orders,
    coalesce(co.lifetime_value, 0) as lifetime_value,
    case
        when co.number_of_orders is null then 'prospect'
        when co.number_of_orders = 1 then 'one-time'
        when co.number_of_orders < 10 then 'repeat'
        else 'loyal'
    end as customer_segment
from "main"."stg_customers" as c
left join customer_orders as co
    on c.customer_id = co.customer_id

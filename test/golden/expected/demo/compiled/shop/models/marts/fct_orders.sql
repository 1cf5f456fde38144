with "__dpf_cte__int_order_payments" as (
-- Only successful payments count: a declined card is usually retried, so summing every
-- attempt would double count the order.
select
    order_id,
    count(*) as payment_count,
    sum(amount) as total_paid,
    sum(case when payment_method = 'credit_card' then amount else 0 end) as credit_card_amount,
    sum(case when payment_method = 'bank_transfer' then amount else 0 end) as bank_transfer_amount,
    sum(case when payment_method = 'gift_card' then amount else 0 end) as gift_card_amount,
    sum(case when payment_method = 'coupon' then amount else 0 end) as coupon_amount,
    max(created_at) as last_paid_at
from "main"."stg_payments"
where payment_status = 'success'
group by order_id
),
order_items as (
    select
        order_id,
        count(*) as line_count,
        cast(sum(quantity) as bigint) as units,
        sum(line_amount) as items_amount
    from "main"."int_order_items_priced"
    group by order_id
),

order_payments as (
    select * from "__dpf_cte__int_order_payments"
)

select
    o.order_id,
    o.customer_id,
    c.country as customer_country,
    o.order_date,
    o.status,
    coalesce(i.line_count, 0) as line_count,
    coalesce(i.units, 0) as units,
    coalesce(i.items_amount, 0) as items_amount,
    case
        when o.status in ('cancelled', 'returned') then 0
        else coalesce(i.items_amount, 0)
    end as net_revenue,
    coalesce(p.payment_count, 0) as payment_count,
    coalesce(p.total_paid, 0) as amount_paid,
    coalesce(p.coupon_amount, 0) as coupon_amount,
    coalesce(p.gift_card_amount, 0) as gift_card_amount,
    case
        when o.status = 'cancelled' then 0
        else coalesce(i.items_amount, 0) - coalesce(p.total_paid, 0)
    end as amount_outstanding,
    p.last_paid_at
from "main"."stg_orders" as o
left join "main"."stg_customers" as c
    on o.customer_id = c.customer_id
left join order_items as i
    on o.order_id = i.order_id
left join order_payments as p
    on o.order_id = p.order_id

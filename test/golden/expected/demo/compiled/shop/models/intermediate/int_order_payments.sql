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

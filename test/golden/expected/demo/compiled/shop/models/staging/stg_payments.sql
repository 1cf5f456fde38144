select
    cast(payment_id as integer) as payment_id,
    cast(order_id as integer) as order_id,
    lower(payment_method) as payment_method,
    lower(status) as payment_status,
    cast(cast(amount_cents as decimal(12, 2)) / 100 as decimal(12, 2)) as amount,
    cast(created_at as timestamp) as created_at
from "main"."raw_payments"

with monthly as (
    select
        cast(date_trunc('month', created_at) as date) as payment_month,
        payment_method,
        count(*) as attempts,
        count(*) filter (where payment_status = 'success') as successful_payments,
        sum(case when payment_status = 'success' then amount else 0 end) as amount_collected
    from "main"."stg_payments"
    group by 1, 2
)

select
    payment_month,
    payment_method,
    attempts,
    successful_payments,
    attempts - successful_payments as failed_payments,
    round(cast(successful_payments as double) / nullif(attempts, 0), 4) as success_rate,
    amount_collected,
    round(cast(amount_collected as double) / nullif(sum(amount_collected) over (partition by payment_month), 0), 4)
        as share_of_month_collected
from monthly

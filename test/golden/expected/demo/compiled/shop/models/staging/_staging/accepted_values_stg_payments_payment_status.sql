select "payment_status" as value_field, count(*) as n_records
from "main"."stg_payments"
where "payment_status" is not null
  and "payment_status" not in ('success', 'failed')
group by "payment_status"

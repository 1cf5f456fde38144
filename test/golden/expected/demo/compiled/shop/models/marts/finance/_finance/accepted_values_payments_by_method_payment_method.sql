select "payment_method" as value_field, count(*) as n_records
from "main_finance"."payments_by_method"
where "payment_method" is not null
  and "payment_method" not in ('credit_card', 'bank_transfer', 'gift_card', 'coupon')
group by "payment_method"

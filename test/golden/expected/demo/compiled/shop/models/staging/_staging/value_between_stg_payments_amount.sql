select "amount" as out_of_range_value, count(*) as n_records
from "main"."stg_payments"
where "amount" < 0.01
   or "amount" > 10000
group by "amount"

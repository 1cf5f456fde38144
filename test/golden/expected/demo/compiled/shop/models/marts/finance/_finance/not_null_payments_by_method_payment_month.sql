select *
from "main_finance"."payments_by_method"
where "payment_month" is null

select *
from "main"."stg_payments"
where "amount" is null

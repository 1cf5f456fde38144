select *
from "main"."stg_payments"
where not coalesce(("payment_status" = 'success'), false)

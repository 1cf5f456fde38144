select *
from "main"."orders_daily"
where "order_date" is null

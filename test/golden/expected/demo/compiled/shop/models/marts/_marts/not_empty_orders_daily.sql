select 0 as row_count
from (select count(*) as n from "main"."orders_daily") as counts
where n = 0

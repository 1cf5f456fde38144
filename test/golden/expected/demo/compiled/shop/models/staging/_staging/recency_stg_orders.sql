select most_recent, current_timestamp as checked_at
from (select max("order_date") as most_recent from "main"."stg_orders") as latest
where most_recent is null
   or cast(most_recent as timestamp) < current_timestamp - interval '10' year

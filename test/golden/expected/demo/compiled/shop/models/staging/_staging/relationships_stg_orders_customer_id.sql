select child."customer_id" as from_field
from "main"."stg_orders" as child
left join "main"."stg_customers" as parent
  on child."customer_id" = parent."customer_id"
where child."customer_id" is not null
  and parent."customer_id" is null

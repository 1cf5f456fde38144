select *
from "main"."stg_customers"
where not coalesce(("email" like '%_@_%._%'), false)

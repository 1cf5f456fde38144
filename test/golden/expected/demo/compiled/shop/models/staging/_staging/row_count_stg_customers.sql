select actual_rows
from (
  select (select count(*) from "main"."stg_customers") as actual_rows
) as counts
where false
  or actual_rows < 1

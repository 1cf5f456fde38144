select actual_rows, expected_rows
from (
  select (select count(*) from "main"."fct_orders") as actual_rows,
         (select count(*) from "main"."stg_orders") as expected_rows
) as counts
where false
  or actual_rows <> expected_rows

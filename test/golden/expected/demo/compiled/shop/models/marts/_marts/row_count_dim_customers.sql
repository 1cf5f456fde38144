select actual_rows, expected_rows
from (
  select (select count(*) from "main"."dim_customers") as actual_rows,
         (select count(*) from "main"."stg_customers") as expected_rows
) as counts
where false
  or actual_rows <> expected_rows

select *
from "main"."stg_reviews"
where "review_id" is null

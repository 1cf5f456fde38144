select *
from "main"."int_review_sentiment"
where "review_id" is null

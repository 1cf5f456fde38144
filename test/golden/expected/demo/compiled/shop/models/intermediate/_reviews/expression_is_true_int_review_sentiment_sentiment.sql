select *
from "main"."int_review_sentiment"
where not coalesce(("sentiment" between -1 and 1), false)

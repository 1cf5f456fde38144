select "review_id" as unique_field, count(*) as n_records
from "main"."int_review_sentiment"
where "review_id" is not null
group by "review_id"
having count(*) > 1

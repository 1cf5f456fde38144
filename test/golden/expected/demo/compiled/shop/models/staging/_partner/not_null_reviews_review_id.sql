select *
from "main_partner"."reviews"
where "review_id" is null

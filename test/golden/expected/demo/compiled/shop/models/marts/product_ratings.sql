-- What customers say about each product: stars and the sentiment of their words.
select
    p.product_id,
    p.product_name,
    p.category,
    count(s.review_id) as reviews,
    round(avg(s.rating), 2) as avg_rating,
    round(avg(s.sentiment), 2) as avg_sentiment,
    round(avg(case when s.rating <= 2 then 1.0 else 0.0 end), 2) as share_negative
from "main"."stg_products" as p
left join "main"."int_review_sentiment" as s on s.product_id = p.product_id
group by p.product_id, p.product_name, p.category

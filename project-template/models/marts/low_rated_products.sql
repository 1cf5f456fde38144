-- A branch of the pipeline: built only when some product is rated below 2.5 stars (run_if in
-- _ratings.yml), and then handed to the quality team as a CSV file (its export).
select
    product_id,
    product_name,
    category,
    reviews,
    avg_rating,
    avg_sentiment
from {{ref "product_ratings"}}
where avg_rating < 2.5

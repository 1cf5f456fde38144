-- models/intermediate/int_review_sentiment.ts is a TypeScript model: dpf runs its transform and lands its rows in "main"."int_review_sentiment".
-- It reads "main"."stg_reviews".
select "review_id", "product_id", "rating", "sentiment", "word_count" from "main"."int_review_sentiment"

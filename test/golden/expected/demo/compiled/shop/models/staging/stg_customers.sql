select
    cast(customer_id as integer) as customer_id,
    first_name,
    last_name,
    first_name || ' ' || last_name as full_name,
    lower(trim(email)) as email,
    country,
    cast(signup_date as date) as signup_date
from "main"."raw_customers"

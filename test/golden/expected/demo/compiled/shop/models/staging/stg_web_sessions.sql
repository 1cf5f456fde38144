select
    cast(session_id as integer) as session_id,
    cast(customer_id as integer) as customer_id,
    cast(started_at as timestamp) as started_at,
    cast(started_at as date) as session_date,
    device,
    cast(pages_viewed as integer) as pages_viewed
from read_csv_auto('<project>/data/web_sessions.csv')

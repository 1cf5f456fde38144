select kind, count(*) as events, 'all events' as label
from "main"."events_incremental"
group by kind

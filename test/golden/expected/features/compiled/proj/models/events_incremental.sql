select id, kind, updated_at
from "landing"."events"
where updated_at >= timestamp '2024-01-01'

select *
from "main"."stg_web_sessions"
where "session_id" is null

select *
from read_csv_auto('<project>/data/web_sessions.csv')
where "session_id" is null

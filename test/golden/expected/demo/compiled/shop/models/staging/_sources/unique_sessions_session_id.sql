select "session_id" as unique_field, count(*) as n_records
from read_csv_auto('<project>/data/web_sessions.csv')
where "session_id" is not null
group by "session_id"
having count(*) > 1

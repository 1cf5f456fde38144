select "device" as value_field, count(*) as n_records
from read_csv_auto('<project>/data/web_sessions.csv')
where "device" is not null
  and "device" not in ('desktop', 'mobile', 'tablet')
group by "device"

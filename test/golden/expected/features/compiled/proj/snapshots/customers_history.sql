select id, tier from read_csv_auto('<project>/data/customers.csv')

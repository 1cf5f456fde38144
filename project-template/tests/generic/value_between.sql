{{!--
  A custom generic test: rows whose value lies outside [min_value, max_value]. Nulls pass
  (add not_null for them). Use it in YAML like the built-in tests:

      columns:
        - name: quantity
          data_tests:
            - value_between: {min_value: 1, max_value: 100}

  {{model}} is the tested relation and {{column_name}} the quoted column; every other name
  used here ({{min_value}}, {{max_value}}) is an argument of the test.
--}}
select {{column_name}} as out_of_range_value, count(*) as n_records
from {{model}}
where {{column_name}} < {{min_value}}
   or {{column_name}} > {{max_value}}
group by {{column_name}}

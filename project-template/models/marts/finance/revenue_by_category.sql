-- One column per category listed in the project var `categories`; anything sold in a
-- category not in that list lands in other_categories, so the row total always adds up.
with lines as (
    select
        cast(date_trunc('month', o.order_date) as date) as revenue_month,
        i.category,
        i.line_amount
    from {{ref "int_order_items_priced"}} as i
    join {{ref "stg_orders"}} as o
        on i.order_id = o.order_id
    where o.status not in ('cancelled', 'returned')
)

select
    revenue_month,
{{#each (var "categories")}}
    sum(case when category = {{literal this}} then line_amount else 0 end) as "{{this}}",
{{/each}}
    sum(
        case
            when category not in ({{#each (var "categories")}}{{literal this}}{{#unless @last}}, {{/unless}}{{/each}}) then line_amount
            else 0
        end
    ) as other_categories,
    sum(line_amount) as total_revenue
from lines
group by revenue_month

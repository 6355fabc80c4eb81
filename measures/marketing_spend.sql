-- name: marketing_spend
-- label: Marketing spend
-- description: What the organisation spent on marketing. Employees who speak for the organisation
--   in public reach people that paid campaigns would otherwise have to.
-- pillar: cost
-- unit: currency
-- format: ,.0f
-- direction: down
-- sources: marketing_spend
-- fill: zero
-- segments: none
-- paired_with: advocacy_posts

with spend as (
    select
        date_trunc($grain, ms.month)::date as period,
        ms.amount
    from marketing_spend as ms
    where ms.month between date_trunc('month', $start::date) and $end
),

-- Spend belongs to the organisation, not to people: one segment, no people count.
final as (
    select
        period,
        'All' as segment,
        sum(amount) as value,
        null::bigint as people
    from spend
    group by period
)

select * from final

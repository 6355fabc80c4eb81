-- name: voluntary_leavers
-- label: People who chose to leave
-- description: Employees who resigned, counted in the period of their last day. People who feel
--   recognised by their colleagues are less likely to go.
-- pillar: cost
-- unit: people
-- format: ,.0f
-- direction: down
-- sources: people
-- fill: zero
-- paired_with: reactions_and_kudos

with leavers as (
    select
        date_trunc($grain, p.termination_date)::date as period,
        coalesce(ps.segment, unknown_segment($by)) as segment,
        p.person_key
    from people as p
    left join person_segments($by) as ps on ps.person_key = p.person_key
    where p.termination_date between $start and $end
      and p.termination_type = 'voluntary'
),

final as (
    select
        period,
        segment,
        count(*) as value,
        count(distinct person_key) as people
    from leavers
    group by period, segment
)

select * from final

-- name: regretted_leavers
-- label: Leavers the organisation wanted to keep
-- description: Employees who left although the organisation wanted to keep them, counted in the
--   period of their last day. Honest, regular feedback surfaces what would have made them stay.
-- pillar: cost
-- unit: people
-- format: ,.0f
-- direction: down
-- sources: people
-- fill: zero
-- paired_with: feedback_given

with leavers as (
    select
        date_trunc($grain, p.termination_date)::date as period,
        coalesce(ps.segment, unknown_segment($by)) as segment,
        p.person_key
    from people as p
    left join person_segments($by) as ps on ps.person_key = p.person_key
    where p.termination_date between $start and $end
      and p.regretted
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

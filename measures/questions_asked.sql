-- name: questions_asked
-- label: Questions asked
-- description: Questions people asked their colleagues in the collaboration platform, one per
--   question thread. Asking in the open is the first step of learning from each other.
-- pillar: collaboration
-- unit: questions
-- format: ,.0f
-- direction: up
-- sources: activity
-- fill: zero

with asked as (
    select
        date_trunc($grain, q.asked_at)::date as period,
        coalesce(ps.segment, unknown_segment($by)) as segment,
        q.asker_key
    from questions as q
    left join person_segments($by) as ps on ps.person_key = q.asker_key
    where q.asked_at::date between $start and $end
),

final as (
    select
        period,
        segment,
        count(*) as value,
        count(distinct asker_key) as people
    from asked
    group by period, segment
)

select * from final

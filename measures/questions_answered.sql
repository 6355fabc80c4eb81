-- name: questions_answered
-- label: Questions answered by colleagues
-- description: Questions asked in the collaboration platform that someone other than the asker
--   answered. Each one is a moment when a colleague, not a course, closed a gap.
-- pillar: collaboration
-- unit: questions
-- format: ,.0f
-- direction: up
-- sources: activity
-- fill: zero

with answered as (
    select
        date_trunc($grain, q.asked_at)::date as period,
        coalesce(ps.segment, unknown_segment($by)) as segment,
        q.asker_key
    from questions as q
    left join person_segments($by) as ps on ps.person_key = q.asker_key
    where q.asked_at::date between $start and $end
      and q.answers_by_others > 0
),

final as (
    select
        period,
        segment,
        count(*) as value,
        count(distinct asker_key) as people
    from answered
    group by period, segment
)

select * from final

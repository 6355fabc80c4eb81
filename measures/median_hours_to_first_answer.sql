-- name: median_hours_to_first_answer
-- label: Hours to a first answer (median)
-- description: For answered questions, how many hours passed between the question and the first
--   answer from a colleague; half the questions were answered faster. Shorter is better: it is
--   how long someone waits, stuck, before a colleague unblocks them.
-- pillar: collaboration
-- unit: hours
-- format: ,.1f
-- direction: down
-- sources: activity
-- fill: none

with answered as (
    select
        date_trunc($grain, q.asked_at)::date as period,
        coalesce(ps.segment, unknown_segment($by)) as segment,
        q.asker_key,
        date_diff('second', q.asked_at, q.first_answer_at) / 3600.0 as hours_to_first_answer
    from questions as q
    left join person_segments($by) as ps on ps.person_key = q.asker_key
    where q.asked_at::date between $start and $end
      and q.first_answer_at is not null
),

final as (
    select
        period,
        segment,
        median(hours_to_first_answer) as value,
        count(distinct asker_key) as people
    from answered
    group by period, segment
)

select * from final

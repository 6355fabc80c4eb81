-- name: feedback_given
-- label: Feedback given
-- description: Pieces of feedback colleagues gave each other in the collaboration platform.
--   Regular, peer-to-peer feedback is how people improve without waiting for a review or a course.
-- pillar: collaboration
-- unit: pieces of feedback
-- format: ,.0f
-- direction: up
-- sources: activity
-- fill: zero

with feedback as (
    select
        date_trunc($grain, ad.day)::date as period,
        coalesce(ps.segment, unknown_segment($by)) as segment,
        ad.person_key,
        ad.events
    from activity_daily as ad
    left join person_segments($by) as ps on ps.person_key = ad.person_key
    where ad.day between $start and $end
      and ad.kind = 'feedback'
),

final as (
    select
        period,
        segment,
        sum(events) as value,
        count(distinct person_key) as people
    from feedback
    group by period, segment
)

select * from final

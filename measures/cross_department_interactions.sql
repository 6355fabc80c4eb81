-- name: cross_department_interactions
-- label: Interactions across departments
-- description: Answers, replies, reactions, kudos and feedback from someone in one department to
--   someone in another. Counted in the segment of the person who reached out; interactions with
--   someone whose department is unknown are left out.
-- pillar: engagement
-- unit: interactions
-- format: ,.0f
-- direction: up
-- sources: activity, people
-- fill: zero

with crossings as (
    select
        date_trunc($grain, i.day)::date as period,
        coalesce(ps.segment, unknown_segment($by)) as segment,
        i.person_key,
        i.events
    from interactions_daily as i
    join people as source_person on source_person.person_key = i.person_key
    join people as target_person on target_person.person_key = i.target_person_key
    left join person_segments($by) as ps on ps.person_key = i.person_key
    where i.day between $start and $end
      and source_person.department <> target_person.department
),

final as (
    select
        period,
        segment,
        sum(events) as value,
        count(distinct person_key) as people
    from crossings
    group by period, segment
)

select * from final

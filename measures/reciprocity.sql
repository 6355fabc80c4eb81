-- name: reciprocity
-- label: Two-way relationships
-- description: Of the pairs of colleagues who interacted in the period (answered, replied, reacted,
--   gave kudos or feedback), the share where both people reached out to the other. Two-way
--   exchanges are relationships; one-way ones are broadcasts. A pair counts in a segment only
--   when both people belong to it, so pairs that span two segments appear only in the overall figure.
-- pillar: engagement
-- unit: share of pairs
-- format: .1%
-- direction: up
-- sources: activity
-- fill: none

-- A pair is two people in key order, with whether each reached out to the other in the period.
with pairs as (
    select
        date_trunc($grain, i.day)::date as period,
        least(i.person_key, i.target_person_key) as first_key,
        greatest(i.person_key, i.target_person_key) as second_key,
        bool_or(i.person_key < i.target_person_key) and bool_or(i.person_key > i.target_person_key)
            as both_directions
    from interactions_daily as i
    where i.day between date_trunc($grain, $start::date) and $end
    group by all
),

pairs_within_segment as (
    select
        p.period,
        coalesce(first_segment.segment, unknown_segment($by)) as segment,
        p.first_key,
        p.second_key,
        p.both_directions
    from pairs as p
    left join person_segments($by) as first_segment on first_segment.person_key = p.first_key
    left join person_segments($by) as second_segment on second_segment.person_key = p.second_key
    where coalesce(first_segment.segment, unknown_segment($by))
        = coalesce(second_segment.segment, unknown_segment($by))
),

pair_members as (
    select period, segment, first_key as person_key from pairs_within_segment
    union
    select period, segment, second_key as person_key from pairs_within_segment
),

member_counts as (
    select period, segment, count(*) as people
    from pair_members
    group by period, segment
),

shares as (
    select
        period,
        segment,
        count(*) filter (where both_directions) / count(*) as value
    from pairs_within_segment
    group by period, segment
),

final as (
    select s.period, s.segment, s.value, mc.people
    from shares as s
    join member_counts as mc on mc.period = s.period and mc.segment = s.segment
)

select * from final

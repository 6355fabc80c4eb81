-- The segments a measure sees when the privacy guard shows some segments together: on the
-- engine's cursor only, these temporary macros shadow the stored ones of the same names
-- (schema.sql) and give every segment as the group it is shown in, so that a rate or a median
-- of departments shown together is computed for them together. The engine fills
-- ld_shown_groups (by_key, segment, shown) and ld_unknown_groups (by_key, shown: what the
-- stored unknown_segment gives, as shown) before the measure runs.
create temp table ld_shown_groups (by_key varchar, segment varchar, shown varchar);
create temp table ld_unknown_groups (by_key varchar, shown varchar);

create temp macro person_segments(by_) as table
    select m.person_key, coalesce(g.shown, m.segment) as segment
    from main.person_segment_map as m
    left join ld_shown_groups as g on g.by_key = m.by_key and g.segment = m.segment
    where m.by_key = by_;

create temp macro department_segments(by_) as table
    select m.department, coalesce(g.shown, m.segment) as segment
    from main.department_segment_map as m
    left join ld_shown_groups as g on g.by_key = m.by_key and g.segment = m.segment
    where m.by_key = by_;

create temp macro unknown_segment(by_) as
    (select shown from ld_unknown_groups where by_key = by_);

create temp macro headcount(grain_, start_, end_, by_) as table
    select h.period, coalesce(g.shown, h.segment) as segment, sum(h.people)::bigint as people
    from main.headcount_rollup as h
    left join ld_shown_groups as g on g.by_key = h.by_key and g.segment = h.segment
    where h.grain = grain_
      and h.by_key = by_
      and h.period between date_trunc(grain_, start_::date) and end_::date
    group by all;

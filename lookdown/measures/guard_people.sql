-- Everyone a figure can be about, for the privacy guard: everyone in the people file with the
-- dates they were employed, and everyone else the data attributes figures to (activity, training
-- requests, manager time): people missing from the people file, who count in a period when they
-- appear in it (guard_appearances.sql).
select p.person_key, p.hire_date, p.termination_date, true as in_people_file
from people as p
union all
select distinct a.person_key, null::date, null::date, false
from (
    select person_key from activity_daily
    union select person_key from training where person_key is not null
    union select manager_key from manager_time
) as a
where a.person_key not in (select person_key from people)
order by 1

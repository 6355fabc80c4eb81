-- The days, from $start to $end, on which each person missing from the people file appears in
-- the data (activity, training requests, manager time), for the privacy guard: such a person
-- belongs to a group in a period when the data has something about them then.
select distinct a.day::date as day, a.person_key
from (
    select day, person_key from activity_daily
    union all select requested_on, person_key from training where person_key is not null
    union all select period_start, manager_key from manager_time
) as a
where a.person_key not in (select person_key from people)
  and a.day between $start and $end

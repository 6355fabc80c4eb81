-- Everyone a figure can be about, with the days they count in a group, for the privacy guard:
-- everyone in the people file while employed (the headcount's rule), and everyone else the data
-- attributes figures to (activity, training requests, manager time) from the first to the last
-- day it mentions them: people missing from the people file.
with mentioned as (
    select day, person_key from activity_daily
    union all select requested_on, person_key from training where person_key is not null
    union all select period_start, manager_key from manager_time
)

select person_key, hire_date, termination_date
from people
union all
select person_key, min(day)::date, max(day)::date
from mentioned
where person_key not in (select person_key from people)
group by person_key
order by 1

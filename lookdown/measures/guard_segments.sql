-- Each person's segment in every segmentation (the stored maps the measures read), for the
-- privacy guard; and, with no person, the segments named by rows that belong to no one in
-- particular (a department's training bookings), whose size is unknown.
select by_key, person_key, segment from person_segment_map
union all
select by_key, null::ubigint, segment from department_segment_map

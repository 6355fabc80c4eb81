"""The few reads of the database that are not measures: the pilot cohorts and departments, the
money assumptions saved with the data, and what is loaded (the inventory)."""

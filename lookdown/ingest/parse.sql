-- Value parsers for exports, created as temporary macros in the connection where files are read
-- and checked (lookdown.ingest.stage): nothing here is stored in the database. Every parser takes text and returns NULL when it cannot read it, so
-- the checks can tell "empty" from "not a date" / "not a number".

set TimeZone = 'UTC';

-- Text with non-breaking and narrow spaces turned into spaces, trimmed, NULL when empty.
create or replace temp macro ld_clean(s) as
    nullif(trim(replace(replace(replace(s::varchar, chr(160), ' '), chr(8239), ' '), chr(65279), '')), '');

-- A date or time without an offset, 'Z' or 'UTC' (try_cast would read it and drop the offset).
create or replace temp macro ld_offset_free(s) as
    strpos(substr(s, 11), '-') = 0 and not contains(s, '+') and not contains(s, 'Z') and not contains(s, 'UTC');

-- Timestamps, in the organisation's local time zone tz_. Naive values are taken as local time
-- already; values with an offset or 'Z', and epoch numbers, are instants converted to local time.
-- Accepts ISO, M/D/YYYY (D/M/YYYY when dayfirst_), D.M.YYYY, Excel serial days, epoch seconds
-- and milliseconds. The *_c macros take text already cleaned by ld_clean (the staging query
-- cleans each column once); the others clean first.
create or replace temp macro ld_timestamp_c(c, dayfirst_, tz_) as (
    case
        when c is null then null
        -- the common case first, with cheap tests: ISO without an offset ('Z', '+hh', '-hh:mm', UTC)
        when ld_offset_free(c) and try_cast(c as timestamp) is not null
            then try_cast(c as timestamp)
        when regexp_full_match(c, '\d{13}')
            then timezone(tz_, epoch_ms(c::bigint)::timestamptz)
        when regexp_full_match(c, '\d{10}')
            then timezone(tz_, to_timestamp(c::bigint))
        when regexp_full_match(c, '\d{5}(\.\d+)?')
            then timestamp '1899-12-30' + to_microseconds((c::double * 86400000000)::bigint)
        when regexp_full_match(c, '\d{4}-\d{1,2}-\d{1,2}[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(Z|UTC|[+-]\d{2}(:?\d{2})?)')
            then timezone(tz_, try_cast(regexp_replace(c, '\s*UTC$', 'Z') as timestamptz))
        else coalesce(
            case when dayfirst_
                then try_strptime(c, ['%d/%m/%Y', '%d/%m/%Y %H:%M', '%d/%m/%Y %H:%M:%S', '%d/%m/%y', '%d-%m-%Y'])
                else try_strptime(c, ['%m/%d/%Y', '%m/%d/%Y %H:%M', '%m/%d/%Y %H:%M:%S',
                                      '%m/%d/%Y %I:%M %p', '%m/%d/%Y %I:%M:%S %p', '%m/%d/%y'])
            end,
            try_strptime(c, ['%d.%m.%Y', '%d.%m.%Y %H:%M', '%d.%m.%Y %H:%M:%S', '%d.%m.%y',
                             '%Y%m%d', '%Y/%m/%d', '%Y/%m/%d %H:%M:%S', '%b %d, %Y',
                             '%B %d, %Y', '%d %b %Y', '%d %B %Y', '%d-%b-%Y', '%d-%b-%y'])
        )
    end
);
create or replace temp macro ld_timestamp(s, dayfirst_, tz_) as ld_timestamp_c(ld_clean(s), dayfirst_, tz_);

-- The same for a column where every value is offset-free (checked over the whole column first):
-- most exports. A plain cast reads what it can, much faster than the tests above; only the
-- values it cannot read go through them.
create or replace temp macro ld_timestamp_plain_c(c, dayfirst_, tz_) as
    coalesce(try_cast(c as timestamp), ld_timestamp_c(c, dayfirst_, tz_));

create or replace temp macro ld_date_c(c, dayfirst_, tz_) as ld_timestamp_c(c, dayfirst_, tz_)::date;
create or replace temp macro ld_date_plain_c(c, dayfirst_, tz_) as ld_timestamp_plain_c(c, dayfirst_, tz_)::date;
create or replace temp macro ld_date(s, dayfirst_, tz_) as ld_date_c(ld_clean(s), dayfirst_, tz_);

-- A month: any date, or YYYY-MM, MM/YYYY, "Mar 2024"; the first day of that month.
create or replace temp macro ld_month_c(c, dayfirst_, tz_) as date_trunc('month', coalesce(
    ld_date_c(c, dayfirst_, tz_),
    try_strptime(c, ['%Y-%m', '%Y/%m', '%m/%Y', '%m.%Y', '%b %Y', '%B %Y', '%b-%y', '%b %y'])::date
))::date;
create or replace temp macro ld_month(s, dayfirst_, tz_) as ld_month_c(ld_clean(s), dayfirst_, tz_);

-- Does a slash date say D/M (first part above 12)? Used to vote per column.
-- (CASE, not AND: only CASE skips the regular expression for values without a slash.)
create or replace temp macro ld_slash_dayfirst(s) as case when contains(s, '/') then
    coalesce(try_cast(regexp_extract(ld_clean(s), '^(\d{1,2})/(\d{1,2})/\d{2,4}', 1) as integer) > 12, false)
    else false end;
create or replace temp macro ld_slash_monthfirst(s) as case when contains(s, '/') then
    coalesce(try_cast(regexp_extract(ld_clean(s), '^(\d{1,2})/(\d{1,2})/\d{2,4}', 2) as integer) > 12, false)
    else false end;

-- An amount with its currency sign/code, spaces and apostrophes removed; sign kept.
create or replace temp macro ld_amount_text_c(c) as regexp_replace(
    c, '(?i)(usd|eur|gbp|chf|cad|aud|jpy|inr|sek|nok|dkk|us\$|kr\.?|[$€£¥₹]|\s|'')', '', 'g');
create or replace temp macro ld_amount_text(s) as ld_amount_text_c(ld_clean(s));

-- The digits and separators of an amount, without sign or parentheses.
create or replace temp macro ld_amount_digits(t) as regexp_replace(t, '[()+-]', '', 'g');

-- Which separator is the decimal one: ',' or '.', NULL when none, 'ambiguous' for 1,250 / 1.250.
create or replace temp macro ld_decimal_mark(d) as (
    case
        when contains(d, ',') and contains(d, '.')
            then case when strpos(reverse(d), ',') < strpos(reverse(d), '.') then ',' else '.' end
        when contains(d, ',') then
            case when length(d) - length(replace(d, ',', '')) > 1 then 'thousands'
                 when regexp_matches(d, ',\d{3}$') then 'ambiguous' else ',' end
        when contains(d, '.') then
            case when length(d) - length(replace(d, '.', '')) > 1 then 'thousands'
                 when regexp_matches(d, '\.\d{3}$') then 'ambiguous' else '.' end
        else null
    end
);

-- A number from an export: "$1,250.00", "1.250,00 €", "(300)", "7,5", "2e-4". decimal_comma_
-- settles the ambiguous "1,250" / "1.250" cases for the whole column.
create or replace temp macro ld_amount_c(c, decimal_comma_) as (
    case
        when c is null then null
        -- the common case first: a plain number
        when not contains(c, ',') and not (decimal_comma_ and contains(c, '.')) and isfinite(try_cast(c as double))
            then try_cast(c as double)
        when not regexp_full_match(ld_amount_text_c(c), '[(+-]?[0-9.,]*[0-9][0-9.,]*\)?-?') then null
        else (case when regexp_matches(ld_amount_text_c(c), '^-|^\(|-$') then -1 else 1 end) * try_cast(
            case
                when ld_decimal_mark(ld_amount_digits(ld_amount_text_c(c))) = ','
                  or (ld_decimal_mark(ld_amount_digits(ld_amount_text_c(c))) = 'ambiguous' and decimal_comma_)
                  or (ld_decimal_mark(ld_amount_digits(ld_amount_text_c(c))) = 'thousands'
                      and contains(ld_amount_digits(ld_amount_text_c(c)), '.'))
                    then replace(replace(ld_amount_digits(ld_amount_text_c(c)), '.', ''), ',', '.')
                else replace(ld_amount_digits(ld_amount_text_c(c)), ',', '')
            end as double)
    end
);
create or replace temp macro ld_amount(s, decimal_comma_) as ld_amount_c(ld_clean(s), decimal_comma_);

-- The column's vote: +1 for a value that clearly uses a decimal comma, -1 for a decimal point.
create or replace temp macro ld_decimal_comma_vote(s) as (
    case ld_decimal_mark(ld_amount_digits(coalesce(ld_amount_text(s), '')))
        when ',' then 1
        when '.' then -1
        when 'thousands' then case when contains(ld_amount_digits(ld_amount_text(s)), '.') then 1 else -1 end
        else 0
    end
);

create or replace temp macro ld_bool_c(c) as (
    case
        when lower(c) in ('true', 't', 'yes', 'y', '1', 'ja', 'oui', 'si', 'x') then true
        when lower(c) in ('false', 'f', 'no', 'n', '0', 'nein', 'non') then false
    end
);
create or replace temp macro ld_bool(s) as ld_bool_c(ld_clean(s));

-- Plain text: cleaned; NULL when empty.
create or replace temp macro ld_text(s) as ld_clean(s);

-- Text that asks something: a question mark outside links, code and mentions.
create or replace temp macro ld_asks(s) as coalesce(contains(
    regexp_replace(
        regexp_replace(
            regexp_replace(s::varchar, '```.*?```|`[^`]*`', ' ', 'gs'),
            '<[^>]*>|\[\[[^\]]*\]\]', ' ', 'g'),
        'https?://\S+', ' ', 'g'),
    '?'), false);

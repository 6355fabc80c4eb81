"""The identity map: which person a platform user id or e-mail stands for.

A CSV with `person_id` (the id HR data uses) and an `email` and/or a `platform_user_id` (with a
`platform` column, or a header naming the platform such as `slack_user_id`). Both sides are stored
as keyed hashes. Importing a map also re-keys activity already loaded under those aliases, so the
order of imports does not matter.

What it cannot see: whether an alias is still in use (a map says who an id stood for, not when),
and people missing from it, who stay known by their platform id and join no department.
"""
from __future__ import annotations

from lookdown.ingest.mapping import normalise
from lookdown.ingest.readers.base import Look, ReadContext, Reader
from lookdown.ingest.sources import CsvText
from lookdown.ingest.stage import ImportProblem, Scratch, Staged, column_or_null, problems_and_rows, report_columns

IDENTITY_COLUMNS = {
    "person id": "person_id", "employee id": "person_id", "employee number": "person_id",
    "hr id": "person_id", "worker id": "person_id", "staff id": "person_id",
    "email": "email", "e mail": "email", "mail": "email", "work email": "email",
    "user principal name": "email", "upn": "email",
    "platform user id": "platform_user_id", "user id": "platform_user_id", "external id": "platform_user_id",
    "account id": "platform_user_id", "member id": "platform_user_id",
    "slack user id": "slack_user_id", "slack id": "slack_user_id",
    "stackexchange user id": "stackexchange_user_id", "stack exchange user id": "stackexchange_user_id",
    "viva user id": "viva_user_id", "yammer user id": "viva_user_id", "viva engage user id": "viva_user_id",
    "teams user id": "teams_user_id",
    "platform": "platform", "tool": "platform",
}
# The namespace each reader gives platform user ids (see the readers' person_id_alt).
PLATFORMS = {
    "slack": "slack", "stackexchange": "stackexchange", "stack exchange": "stackexchange",
    "stackoverflow": "stackexchange", "viva": "viva", "viva engage": "viva", "yammer": "viva",
    "teams": "teams", "microsoft teams": "teams",
}
PLATFORM_ID_COLUMNS = {"slack_user_id": "slack", "stackexchange_user_id": "stackexchange",
                       "viva_user_id": "viva", "teams_user_id": "teams"}


def is_identity_map(headers: list[str]) -> bool:
    names = {IDENTITY_COLUMNS.get(normalise(h)) for h in headers}
    aliases = {"email", "platform_user_id"} | set(PLATFORM_ID_COLUMNS)
    return "person_id" in names and bool(names & aliases) and len(headers) <= 6


def stage_identity_map(scratch: Scratch, csv: CsvText) -> Staged:
    names, found = report_columns(csv, IDENTITY_COLUMNS)
    if "person_id" not in found:
        raise ImportProblem("An identity map needs a person_id column.")
    scratch.read_csv(csv, names)
    con = scratch.con
    # One alias per row and kind: the e-mail, and the platform user id in its reader's namespace.
    alias_parts = []
    if "email" in found:
        alias_parts.append(
            "select rec, person_id, lower(ld_clean(email)) as alias, null::varchar as platform from base"
        )
    if "platform_user_id" in found:
        alias_parts.append(
            "select rec, person_id, case when platform is null then ld_clean(platform_user_id) "
            "else platform || ':' || ld_clean(platform_user_id) end as alias, platform from base"
        )
    for column, platform in PLATFORM_ID_COLUMNS.items():
        if column in found:
            assert column.isidentifier() and platform.isalpha()
            alias_parts.append(
                f"select rec, person_id, '{platform}:' || ld_clean({column}) as alias, '{platform}' as platform "
                "from base"
            )
    platform_raw = f"lower(ld_clean({column_or_null(found, 'platform')}))"
    platform_case = "case " + platform_raw + " " + " ".join(
        f"when '{k}' then '{v}'" for k, v in PLATFORMS.items()
    ) + " else " + platform_raw + " end"
    selected = ", ".join(f"raw.{c}" for c in sorted(found - {"person_id", "platform"}))
    sql = (
        "create or replace temp table ld_base as select raw.rowid as rec, ld_clean(raw.person_id) as person_id, "
        f"{platform_case} as platform, "
        f"ld_clean({column_or_null(found, 'platform')}) as platform_raw"
        + (", " + selected if selected else "")
        + " from ld_raw as raw"
    )
    con.execute(sql).fetchall()
    alias_columns = [c for c in ("email", "platform_user_id", *PLATFORM_ID_COLUMNS) if c in found]
    no_alias = " and ".join(f"ld_clean(b.{c}) is null" for c in alias_columns)
    checks = [
        ("person_id", "b.person_id is null", "missing required value", "null"),
        ("email/platform_user_id", no_alias, "needs an e-mail or a platform user id", "null"),
    ]
    expand = (
        "with base as (select * from ld_base as b where b.rec not in (select rec from ld_problems))\n"
        "select row_number() over (order by rec) - 1 as rec, person_id, alias, platform from ("
        + " union all ".join(alias_parts)
        + ") where alias is not null order by rec"
    )
    rows, problems, read, rejected = problems_and_rows(scratch, checks, expand, {})
    for temp in ("ld_base", "ld_problems", "ld_raw"):
        con.execute("drop table if exists " + temp)
    return Staged(
        file_kind="identity_map", table="identity_map", rows=rows, problems=problems, rows_read=read,
        rejected=rejected, notices=list(csv.notices), facts={"aliases": rows.num_rows},
    )


class IdentityMapReader(Reader):
    kind = "identity_map"
    label = "identity map"
    containers = frozenset({"table"})

    def recognises(self, look: Look) -> bool:
        return is_identity_map(look.headers)

    def stage(self, look: Look, context: ReadContext) -> Staged:
        return stage_identity_map(context.scratch, look.csv)

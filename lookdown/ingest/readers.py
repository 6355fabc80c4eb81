"""Which reader a file needs, and reading it into a `Staged` (no database writes)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from lookdown.contract import TEMPLATES
from lookdown.ingest import identity, reports, slack, stackexchange, viva
from lookdown.ingest.mapping import (
    Suggestion, best_suggestion, exact_template, saved_mapping, suggest_mapping, template_mapping,
)
from lookdown.ingest.sources import Source, Workspace, csv_text, decode, first_record, parse_header, \
    sniff_delimiter, zip_members
from lookdown.ingest.stage import ImportProblem, Scratch, Staged, stage_template_csv
from lookdown.store import Database

FILE_KINDS = (
    "template", "mapped", "slack_zip", "slack_member_analytics", "teams_user_activity", "viva_engage",
    "stackexchange_xml", "identity_map", "needs_mapping", "unknown",
)


class NeedsMapping(ImportProblem):
    """An export with its own headers: the user must confirm a mapping onto a template."""

    def __init__(self, headers: list[str], suggestion: Suggestion):
        self.headers = headers
        self.suggestion = suggestion
        missing = f" (missing: {', '.join(suggestion.missing_required)})" if suggestion.missing_required else ""
        super().__init__(
            f"The columns do not match a template. The closest is '{suggestion.table}'{missing}: "
            "confirm a column mapping to import it."
        )


@dataclass
class Item:
    """One upload to be: a file, and the companion file some exports come with (Users.csv/.xml)."""

    source: Source
    companion: Source | None = None


def role(source: Source) -> str | None:
    """A cheap look at what a file is, to pair companions: viva_users, viva_messages, se_users,
    se_posts, or None."""
    if source.is_zip:
        return None
    if source.is_xml:
        root = stackexchange.xml_root(source)
        return {"posts": "se_posts", "users": "se_users"}.get(root or "")
    if source.suffix not in (".csv", ".txt", ""):
        return None
    text, _ = decode(source.head(65536))
    header = first_record(text)
    headers = parse_header(header, sniff_delimiter(header))
    if viva.is_viva_messages(headers):
        return "viva_messages"
    if viva.is_viva_users(headers):
        return "viva_users"
    return None


def pair(sources: list[Source]) -> list[Item]:
    """Pair Users.csv with Messages.csv (Viva Engage) and Users.xml with Posts.xml (Stack
    Exchange) from the same folder (or the same batch of uploads)."""
    roles = [role(s) for s in sources]
    used: set[int] = set()
    items: list[Item] = []
    for i, source in enumerate(sources):
        wanted = {"viva_messages": "viva_users", "se_posts": "se_users"}.get(roles[i] or "")
        companion = None
        if wanted:
            for j, other in enumerate(sources):
                same_folder = source.path is None or other.path is None or source.path.parent == other.path.parent
                if j not in used and roles[j] == wanted and same_folder:
                    companion = other
                    used.add(j)
                    break
        items.append(Item(source, companion))
    return [item for i, item in enumerate(items) if i not in used]


def _site(source: Source) -> str:
    if source.path is not None and source.path.parent.name:
        return source.path.parent.name.lower()
    stem = Path(source.name).stem.lower()
    return stem if stem not in ("posts", "upload") else "stackexchange"


def stage_item(
    scratch: Scratch,
    workspace: Workspace,
    item: Item,
    *,
    db: Database | None,
    tz: str,
    today: date,
    as_kind: str | None = None,
    mapping: tuple[str, dict[str, str]] | None = None,
) -> Staged:
    """Read one file (and its companion) as the reader its content calls for."""
    source = item.source
    if as_kind is not None and as_kind not in FILE_KINDS and as_kind not in TEMPLATES:
        raise ImportProblem(f"Unknown kind '{as_kind}'. Kinds: {', '.join(FILE_KINDS[:-2])} or a table name.")
    if source.is_blank():
        raise ImportProblem("The file is empty.")
    if source.is_zip and not source.is_xlsx:
        members = zip_members(source)
        if slack.is_slack_zip(members) or as_kind == "slack_zip":
            return slack.stage_slack_zip(scratch, source, tz=tz)
        if viva.viva_zip_members(members)[0] or as_kind == "viva_engage":
            messages, users = viva.sources_from_zip(source)
            return viva.stage_viva(scratch, workspace, messages, users, tz=tz, today=today)
        raise ImportProblem("This ZIP is neither a Slack workspace export nor a Viva Engage export.")
    if source.is_xml:
        root = stackexchange.xml_root(source)
        if root == "posts":
            return stackexchange.stage_stackexchange(scratch, source, item.companion, tz=tz, site=_site(source))
        if root == "users":
            raise ImportProblem("Users.xml only describes the users of a Stack Exchange site: "
                                "import it together with Posts.xml.")
        raise ImportProblem("This XML file is not a Stack Exchange data dump (Posts.xml).")
    if source.suffix in (".json", ".pdf", ".docx", ".pptx", ".zip"):
        raise ImportProblem(f"Lookdown cannot read {source.suffix} files here. For Slack, upload the whole "
                            "export ZIP.")

    csv = csv_text(source, workspace)
    headers = csv.headers
    if not any(h.strip() for h in headers):
        raise ImportProblem("The file has no header line.")
    if "\x00" in "".join(headers) or sum(len(h) for h in headers) > 20000:
        raise ImportProblem("This does not look like a CSV or Excel file.")
    forced_table = as_kind if as_kind in TEMPLATES else None
    if mapping is not None:
        table, columns = mapping
        return stage_template_csv(scratch, csv, table, columns, tz=tz, today=today, file_kind="mapped")
    if as_kind in (None, "template") or forced_table is not None:
        table = exact_template(headers)
        if table is not None and forced_table in (None, table):
            return stage_template_csv(scratch, csv, table, template_mapping(headers, table), tz=tz, today=today)
    if as_kind in (None, "teams_user_activity") and (reports.is_teams_user_activity(headers)
                                                     or as_kind == "teams_user_activity"):
        return reports.stage_teams(scratch, csv, tz=tz, today=today)
    if as_kind is None and reports.is_teams_device_usage(headers):
        raise ImportProblem("This is the Teams device usage report. Lookdown reads the Teams user activity "
                            "report (Reports > Usage > Teams user activity > Export).")
    if as_kind in (None, "slack_member_analytics") and (reports.is_slack_member_analytics(headers)
                                                        or as_kind == "slack_member_analytics"):
        return reports.stage_slack_member_analytics(scratch, csv, tz=tz, today=today)
    if as_kind in (None, "viva_engage") and (viva.is_viva_messages(headers) or as_kind == "viva_engage"):
        return viva.stage_viva(scratch, workspace, source, item.companion, tz=tz, today=today)
    if as_kind is None and viva.is_viva_users(headers):
        raise ImportProblem("Users.csv of a Viva Engage export only describes users: import it together "
                            "with Messages.csv (or upload the whole export ZIP).")
    if as_kind in (None, "identity_map") and (identity.is_identity_map(headers) or as_kind == "identity_map"):
        return identity.stage_identity_map(scratch, csv)
    saved = saved_mapping(db, headers)
    if saved is not None and (forced_table is None or saved[0] == forced_table):
        return stage_template_csv(scratch, csv, saved[0], saved[1], tz=tz, today=today, file_kind="mapped")
    if forced_table is not None:
        suggestion = suggest_mapping(headers, forced_table)
        columns = {h: c for h, c in suggestion.items() if c}
        try:
            return stage_template_csv(scratch, csv, forced_table, columns, tz=tz, today=today, file_kind="mapped")
        except ImportProblem as problem:
            raise ImportProblem(f"{problem} Map the columns first.") from problem
    raise NeedsMapping(headers, best_suggestion(headers))

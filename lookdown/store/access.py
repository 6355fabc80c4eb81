"""Who may change the data: viewers look and download, editors also load, map, remove uploads and
change settings and assumptions.

One person on their own computer (the app on localhost, the command line, the inbox) needs no
sign-in and may do everything. A shared installation signs people in (Streamlit's OpenID Connect,
configured in .streamlit/secrets.toml) and gives each a role from the `[lookdown.roles]` section
there. The role is checked here, in the core operations every page and command calls
(`require_editor`), not only by hiding buttons: a viewer who reaches an editor action is refused
with a reason.

The actor of the work under way is a context variable: the app sets it for each page run and
each button's callback (`acting_as`); threads start without one, and then the installation's
default applies: everything for one person's installation, nothing for a shared one.
"""
from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

EDITOR = "editor"
VIEWER = "viewer"


@dataclass(frozen=True)
class Actor:
    """Someone (or something) acting on the data: their name for the audit trail, and a role."""

    name: str
    role: str | None  # EDITOR, VIEWER, or None: signed in but given no role
    email: str | None = None

    @property
    def can_edit(self) -> bool:
        return self.role == EDITOR

    @property
    def can_view(self) -> bool:
        return self.role in (EDITOR, VIEWER)


# One person's installation: the app on this computer, the command line, scheduled jobs.
LOCAL = Actor("this computer", EDITOR)
# The running app's inbox watcher: files copied into data/inbox/ by someone with access to the folder.
INBOX = Actor("the inbox", EDITOR)
# A shared installation before anyone signs in.
NOBODY = Actor("nobody signed in", None)


class NotAllowed(PermissionError):
    """The actor's role does not allow the action (the message says who and what)."""


_current: ContextVar[Actor | None] = ContextVar("lookdown_actor", default=None)
_default = LOCAL


def share_installation(shared: bool) -> None:
    """Whether this process serves several people (sign-in on): then work with no actor set is
    refused instead of done as this computer's user."""
    global _default
    _default = NOBODY if shared else LOCAL


def current_actor() -> Actor:
    return _current.get() or _default


def set_actor(actor: Actor) -> None:
    """The actor of the rest of this thread's work: the app sets it at the top of each page run
    (a run has a thread of its own; callbacks, which run before the page, use acting_as)."""
    _current.set(actor)


@contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    """Do the work inside the block as `actor`."""
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)


def require_editor(action: str) -> Actor:
    """The current actor, if they may do `action` ('upload files'); NotAllowed otherwise."""
    actor = current_actor()
    if actor.can_edit:
        return actor
    if actor.role == VIEWER:
        raise NotAllowed(f"{actor.name} can look at the figures but not {action}: only editors can. "
                         "Ask the L&D team's editor to do it, or to make you an editor.")
    raise NotAllowed(f"Sign in as an editor to {action}.")


def role_for(email: str | None, groups: Iterable[str], roles: Mapping[str, object]) -> str | None:
    """The role the `[lookdown.roles]` configuration gives someone: `editors` and `viewers` list
    e-mail addresses or patterns (`*@acme.com`), `editor_groups` and `viewer_groups` group names
    from the identity provider's group claim. Editor wins; None when nothing matches."""
    groups = set(groups)
    address = (email or "").strip().lower()

    def listed(key: str) -> bool:
        patterns = [str(p).strip().lower() for p in roles.get(key, []) or []]
        return bool(address) and any(fnmatch.fnmatchcase(address, p) for p in patterns)

    def in_group(key: str) -> bool:
        return bool(groups & {str(g) for g in roles.get(key, []) or []})

    if listed("editors") or in_group("editor_groups"):
        return EDITOR
    if listed("viewers") or in_group("viewer_groups"):
        return VIEWER
    return None

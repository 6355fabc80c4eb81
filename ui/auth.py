"""Sign-in for a shared installation, and who is acting in this browser session.

Off unless `.streamlit/secrets.toml` has an `[auth]` section (Streamlit's OpenID Connect:
st.login, st.user); then every visitor signs in, and `[lookdown.roles]` says who is an editor
and who a viewer (lookdown.store.access.role_for). Alone on localhost, nobody signs in and the
app's user may do everything. The role is enforced in the core; this module only tells the core
who is acting (`acting()`), and lets pages hide what a viewer cannot do.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from lookdown.store.access import LOCAL, NOBODY, Actor, acting_as, role_for, share_installation


def _secrets() -> dict:
    try:
        return st.secrets.to_dict()
    except (FileNotFoundError, KeyError, OSError, ValueError):  # no secrets file at all
        return {}


def sign_in_required() -> bool:
    """An `[auth]` section turns sign-in on (and then it is required for every page)."""
    return "auth" in _secrets()


def current() -> Actor:
    """Who is acting in this session: the signed-in person with their role; NOBODY before they
    sign in; LOCAL when the installation has no sign-in."""
    if not sign_in_required():
        return LOCAL
    if not st.user.is_logged_in:
        return NOBODY
    roles = _secrets().get("lookdown", {}).get("roles", {})
    claims = st.user.to_dict()
    email = claims.get("email")
    claim = roles.get("group_claim", "groups")
    groups = claims.get(claim) or []
    groups = [groups] if isinstance(groups, str) else list(groups)
    name = claims.get("name") or email or "someone signed in"
    return Actor(str(name), role_for(email, groups, roles), email=email)


@contextmanager
def acting() -> Iterator[Actor]:
    """Run the block as the session's actor: every core write checks that actor's role."""
    with acting_as(current()) as actor:
        yield actor


def gate() -> Actor:
    """At the top of every page: with sign-in on, a visitor who has not signed in (or whose
    address has no role) sees why and a button, and the page stops there."""
    shared = sign_in_required()
    share_installation(shared)
    actor = current()
    if not shared or actor.can_view:
        return actor
    if actor is NOBODY:
        st.markdown("This Lookdown installation is shared by a team: sign in to see its figures.")
        st.button("Sign in", on_click=st.login, type="primary", icon=":material/login:", key="sign-in")
    else:
        st.warning(f"You are signed in as {actor.email or actor.name}, but this address has no role here. "
                   "Ask the L&D team to add you as a viewer or an editor.", icon=":material/lock:")
        st.button("Sign out", on_click=st.logout, key="sign-out")
    st.stop()

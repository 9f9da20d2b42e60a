"""The one UI-side shared module: settings, the store, cached frames, the viewer, the map.

Pages stay thin: they call these helpers and functions of ``geo`` (which never imports
streamlit). Everything cached lives here, keyed on cheap values:

* the store is a ``cache_resource`` per database URL (one engine per process); on first
  open of an empty database it is filled with the fictional sample dataset when
  ``PARTNERMAP_SAMPLE_DATA`` is on;
* frames are a ``cache_resource`` keyed on ``(database URL, store.data_version())``, so
  every write invalidates them and reruns cost one tiny query. They are shared between
  sessions: treat them as read-only (pandas copy-on-write makes accidental writes
  local anyway);
* the redacted view of the frames is cached per ``(URL, data version, viewer role)``.

Clicks on the map (streamlit-folium 0.27.4, checked in its frontend code and in
``tests/browser``): :func:`render_map` returns only ``last_object_clicked`` (the
``{"lat", "lng"}`` of the click) and ``last_active_drawing``. For a click on a district
or any area layer of ``geo.maps``, ``last_active_drawing`` is the clicked GeoJSON
Feature and its ``properties`` hold ``geoid``, ``name`` (and ``value`` on choropleths);
for a click on a single site it is a Point Feature whose ``properties`` hold
``site_id`` and the popup columns. (``last_object_clicked_tooltip`` would carry the
tooltip text, ``last_object_clicked_popup`` nothing for our layers; neither is
returned.) Use :func:`clicked_properties`. Pans and zooms return nothing, so they never
rerun the page.

Who is looking (:func:`current_viewer`) comes only from the server: the sidebar's
sign-in form (built-in accounts, :func:`geo.auth.authenticate`) stores a
:class:`geo.auth.Viewer` and its account's session generation in
``st.session_state`` and hands the browser a signed session token (:mod:`geo.session`)
in the cookie ``partnermap_session``, so that a reload (a new Streamlit session)
signs the same account in again; single sign-on (``st.login``, when
``.streamlit/secrets.toml`` has an ``[auth]`` section) is mapped by the provider's
e-mail through :func:`geo.auth.viewer_from_oidc`. Every run looks the account up
again: a removed account, a new password or role, or a sign-out elsewhere (each moves
the account's session generation) ends the sign-in on the next click. Nothing from
the URL or a form field other than the password check can choose a role, and the
cookie only counts when its signature, expiry and generation check out.

Setting the cookie: Streamlit 1.67 gives a script run no HTTP response to put a
``Set-Cookie`` header on (that would take a custom route, i.e. serving the app
through ``st.App``), so the run after a sign-in writes it with a one-line script
(``st.html(..., unsafe_allow_javascript=True)``): ``SameSite=Strict``, ``Secure`` on
https, expiring with the token; sign-out clears it the same way (and the moved
generation refuses it anyway). Being written by a script it cannot be ``HttpOnly``;
what stands in for that is the escaping of every user-written text
(:mod:`geo.safe`), the 12-hour life and the revocation above.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

import folium
import pandas as pd
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

# A fresh server whose first request is a deep link (``/scan?...``) runs the page
# script straight from ``pages/`` in Streamlit's legacy multipage mode, without
# ``app.py``: no router, no wide layout, every module of ``pages/`` in the menu. Leave
# that mode (``st.navigation`` in app.py clears the same flag) and run again through
# app.py, which keeps the page and its query string. Checked on Streamlit 1.67.
if PagesManager.uses_pages_directory:
    PagesManager.uses_pages_directory = False
    st.rerun()
import streamlit_folium
from streamlit_folium import st_folium

from geo import schema, session as sessions
from geo.auth import (
    PUBLIC,
    SignInError,
    Viewer,
    authenticate,
    client_address,
    viewer_from_oidc,
)
from geo.config import Settings, load_settings
from geo.db import Store, UnavailableError, open_store
from geo.sample import contains_sample, make_sample
from geo.schools import load_sample_directory
from geo.visibility import visible_frames

APP_TITLE = "Community Schools Partner Map"
SAMPLE_ACTOR = "sample-data"
MAP_HEIGHT = 600
RETURNED_OBJECTS: tuple[str, ...] = ("last_object_clicked", "last_active_drawing")
SAMPLE_NOTICE = (
    "Sample data — fictional partners. Every organization shown here is invented; "
    "the places are real."
)


def settings() -> Settings:
    """The app settings, read from the environment (cheap; not cached so tests and
    restarts with another DATABASE_URL are honoured)."""
    return load_settings()


@st.cache_resource(show_spinner="Opening the database…", max_entries=4)
def _store(database_url: str, sample_data: bool) -> Store:
    store = open_store(database_url)
    if sample_data and store.is_empty():
        store.load_frames(make_sample(), actor=SAMPLE_ACTOR)
        load_sample_directory(store, actor=SAMPLE_ACTOR)  # Florida's schools (HIFLD)
    return store


def store() -> Store:
    """The store for the configured database, created (and seeded) on first use."""
    s = settings()
    return _store(s.database_url, s.sample_data)


@st.cache_resource(max_entries=2, show_spinner=False)
def _frames(database_url: str, version: int) -> schema.Frames:
    return _store(database_url, settings().sample_data).frames()


@st.cache_resource(max_entries=8, show_spinner=False)
def _visible(database_url: str, version: int, role: str) -> schema.Frames:
    return visible_frames(_frames(database_url, version), role)


@st.cache_resource(max_entries=2, show_spinner=False)
def _has_sample(database_url: str, version: int) -> bool:
    return contains_sample(_frames(database_url, version).partners)


def data_version() -> int:
    return store().data_version()


def all_frames() -> schema.Frames:
    """Every live record, unredacted. Only for staff-facing code and counts."""
    return _frames(settings().database_url, data_version())


def frames_for_viewer() -> schema.Frames:
    """The frames as the current viewer may see them (names withheld for the public)."""
    return _visible(settings().database_url, data_version(), viewer_role())


def has_sample_data() -> bool:
    return _has_sample(settings().database_url, data_version())


VIEWER_KEY = "viewer"
GENERATION_KEY = "viewer_session_generation"
COOKIE_ACTION_KEY = "session_cookie_action"  # a token to write, or "" to clear


def _client() -> str:
    """The client's address for the sign-in throttle (see :func:`geo.auth.client_address`)."""
    headers = st.context.headers
    return client_address(st.context.ip_address, headers.get("X-Forwarded-For"),
                          trusted_proxies=settings().trusted_proxies)


@st.cache_resource(max_entries=4, show_spinner=False)
def _signing_key(database_url: str, configured: str) -> str:
    return sessions.signing_key(_store(database_url, settings().sample_data), configured)


def _session_key() -> str:
    """The key that signs session tokens: PARTNERMAP_SECRET_KEY, else ``secret_key`` in
    the secrets, else the one generated in the database."""
    configured = settings().secret_key
    if not configured:
        try:
            configured = str(st.secrets.get("secret_key", "") or "")
        except FileNotFoundError:
            configured = ""
    return _signing_key(settings().database_url, configured)


def _auth_section() -> Any:
    """The ``[auth]`` section of the secrets, or None when single sign-on is not set up."""
    try:
        return st.secrets["auth"] if "auth" in st.secrets else None
    except FileNotFoundError:  # no secrets.toml at all
        return None


def sso_configured() -> bool:
    """True when ``.streamlit/secrets.toml`` configures Streamlit's OpenID Connect login."""
    return _auth_section() is not None


def _sso_provider() -> str | None:
    """The provider to pass to ``st.login``: None for settings directly under ``[auth]``,
    else the first ``[auth.NAME]`` table."""
    section = _auth_section()
    if section is None or "client_id" in section:
        return None
    for name in section:
        if hasattr(section[name], "keys"):
            return str(name)
    return None


def _sso_email() -> str | None:
    """The provider-verified e-mail of a single-sign-on user, or None."""
    if not sso_configured():
        return None
    user = st.user
    if not user.get("is_logged_in", False):
        return None
    if user.get("email_verified") is False:  # the provider says it did not check it
        return None
    email = user.get("email")
    return str(email) if email else None


def current_viewer() -> Viewer:
    """Who is looking, as established by the server; :data:`geo.auth.PUBLIC` if nobody.

    A built-in sign-in (from the form in this session, or from the signed session
    cookie after a reload) is checked against the users table on every run: a removed
    account, or a moved session generation (new password or role, sign-out elsewhere),
    falls back to the public. Otherwise a single-sign-on identity is matched by
    e-mail to its account.
    """
    viewer = st.session_state.get(VIEWER_KEY)
    if isinstance(viewer, Viewer) and viewer.signed_in:
        user = store().users.get_user(viewer.email)
        generation = st.session_state.get(GENERATION_KEY)
        fresh = viewer_from_oidc(store(), viewer.email) if user is not None else PUBLIC
        if fresh.role == "public" or (generation is not None
                                      and user.session_generation != generation):
            _forget_sign_in()
            return PUBLIC
        if fresh != viewer:
            st.session_state[VIEWER_KEY] = fresh
        return fresh
    restored = _viewer_from_cookie()
    if restored is not None:
        return restored
    email = _sso_email()
    if email:
        return viewer_from_oidc(store(), email)
    return PUBLIC


def _forget_sign_in() -> None:
    for key in (VIEWER_KEY, GENERATION_KEY):
        st.session_state.pop(key, None)


def _viewer_from_cookie() -> Viewer | None:
    """The account of a valid session cookie (a reload after a built-in sign-in)."""
    token = st.context.cookies.get(sessions.COOKIE_NAME)
    if not token:
        return None
    viewer = sessions.viewer_from_token(store(), _session_key(), token)
    if viewer is None:
        return None
    user = store().users.get_user(viewer.email)
    st.session_state[VIEWER_KEY] = viewer
    st.session_state[GENERATION_KEY] = user.session_generation if user else -1
    return viewer


def viewer_role() -> str:
    """The current viewer's role: ``public`` unless the server put a signed-in
    :class:`geo.auth.Viewer` in the session (nothing from URLs or forms is trusted)."""
    return current_viewer().role


_DB_RETRIED = "_db_unreachable_retried"


def run_page(page: Any) -> None:
    """Run the page chosen by ``st.navigation``, or, while the database cannot be
    reached, show only :func:`show_unreachable` (no traceback, no half-drawn page).

    One tiny query first (the data version, which every page asks for anyway) catches a
    database that is down before anything is drawn. If it goes away while the page runs,
    the page is run once more, so the next run draws the message alone (Streamlit clears
    what the failed run had drawn); a second failure in a row shows the message where
    the page stopped. Writes are transactions: one interrupted this way is rolled back
    by the database, never half-applied.
    """
    try:
        data_version()
    except UnavailableError as exc:
        show_unreachable(exc)
        return
    try:
        page.run()
    except UnavailableError as exc:
        if not st.session_state.get(_DB_RETRIED):
            st.session_state[_DB_RETRIED] = True
            st.rerun()
        show_unreachable(exc)
        return
    st.session_state.pop(_DB_RETRIED, None)


def show_unreachable(exc: UnavailableError) -> None:
    """The page shown while the database cannot be reached (the details go to the log)."""
    import logging

    logging.getLogger("partnermap").warning("database not reachable: %s", exc.detail)
    st.title("The database is not reachable")
    st.error(str(exc))
    st.button("Try again", key="db_unreachable_retry")


def refuse(message: str) -> None:
    """Show ``message`` as the whole page and stop (for pages a role may not open)."""
    st.warning(message)
    st.stop()


def render_map(m: folium.Map, *, key: str, height: int = MAP_HEIGHT) -> dict[str, Any] | None:
    """Show ``m`` full width with a stable ``key``; only clicks come back (see module doc)."""
    return st_folium(
        m,
        key=key,
        height=height,
        use_container_width=True,
        returned_objects=list(RETURNED_OBJECTS),
    )


@dataclass(frozen=True)
class MapSpec:
    """A folium map rendered once into what streamlit-folium's component receives."""

    script: str
    header: str
    html: str
    map_id: str
    css_links: tuple[str, ...]
    js_links: tuple[str, ...]
    hash_key: str
    nbytes: int = field(default=0)


def map_spec(m: folium.Map, *, key: str) -> MapSpec:
    """Render ``m`` as ``st_folium`` does (streamlit-folium 0.27.4: the same helpers, in
    the same order) into a :class:`MapSpec` that :func:`show_map_spec` can show any
    number of times. Rendering a national map (4 MB of script, with regular
    expressions over all of it) is most of a page's server time: done once, it is
    shared by every session that shows the same map."""
    from streamlit_folium import (
        _get_header,
        _get_html,
        _get_map_string,
        generate_js_hash,
        get_full_id,
    )

    m.get_root().render()
    m.render()
    html = _get_html(m)
    header = _get_header(m)
    script = _get_map_string(m)
    css: list[str] = []
    js: list[str] = []
    todo: list[Any] = [m]
    while todo:  # every element's own CSS and JS files (served from static/vendor)
        elem = todo.pop(0)
        css.extend(href for _, href in getattr(elem, "default_css", []))
        js.extend(src for _, src in getattr(elem, "default_js", []))
        todo.extend(getattr(elem, "_children", {}).values())
    return MapSpec(script=script, header=header, html=html, map_id=get_full_id(m),
                   css_links=tuple(dict.fromkeys(css)), js_links=tuple(dict.fromkeys(js)),
                   hash_key=generate_js_hash(script, key, False),
                   nbytes=len(script) + len(html) + len(header))


def show_map_spec(spec: MapSpec, *, key: str, height: int = MAP_HEIGHT) -> dict[str, Any] | None:
    """Show a rendered map full width; clicks come back as from :func:`render_map`."""
    def on_change() -> None:  # as st_folium: the map's value also under its own key
        st.session_state[key] = st.session_state.get(spec.hash_key, {})

    return streamlit_folium._component_func(
        script=spec.script, header=spec.header, html=spec.html, id=spec.map_id, key=spec.hash_key,
        height=height, width=None, returned_objects=list(RETURNED_OBJECTS),
        default={name: None for name in RETURNED_OBJECTS}, zoom=None, center=None,
        feature_group=None, return_on_hover=False, layer_control=None, pixelated=False,
        css_links=list(spec.css_links), js_links=list(spec.js_links), on_change=on_change,
        wrap_longitude=False,
    )


@st.cache_resource(max_entries=48, show_spinner=False)
def _cached_spec(database_url: str, version: int, role: str, key: str, view: Hashable,
                 _build: Callable[[], folium.Map]) -> MapSpec:
    return map_spec(_build(), key=key)


def cached_map(build: Callable[[], folium.Map], *, view: Hashable, key: str,
               height: int = MAP_HEIGHT) -> dict[str, Any] | None:
    """Show the map ``build()`` makes, built and rendered once per database, data
    version, viewer role, map ``key`` and ``view`` and shared by every session.

    ``view`` must hold everything else the map depends on (filters, level, selected
    place, tiles...): two calls with the same ``view`` get the same map. ``build`` runs
    only when no session has drawn that map yet."""
    spec = _cached_spec(settings().database_url, data_version(), viewer_role(), key, view, build)
    return show_map_spec(spec, key=key, height=height)


def clicked_properties(result: dict[str, Any] | None) -> dict[str, Any] | None:
    """The ``properties`` of the feature last clicked on a map, or None."""
    if not result:
        return None
    feature = result.get("last_active_drawing")
    if isinstance(feature, dict) and isinstance(feature.get("properties"), dict):
        return feature["properties"]
    return None


PUBLIC_NOTE = (
    f"Partners that have not approved public listing are shown as "
    f"“{schema.ANONYMOUS_PARTNER}”, without name, website or contact. Counts, maps "
    "and totals include their work."
)


def sidebar() -> None:
    """The sidebar every page shows: what the data is, who is looking, sign-in/out."""
    with st.sidebar:
        st.markdown(f"**{APP_TITLE}**")
        if has_sample_data():
            st.warning("Sample data — fictional partners")
        viewer = current_viewer()
        st.caption(f"Viewing as: {viewer.role}."
                   + (f" {PUBLIC_NOTE}" if viewer.role == "public" else ""))
        if viewer.signed_in:
            _signed_in_box(viewer)
        else:
            _sign_in_box()
        _write_session_cookie()


def _write_session_cookie() -> None:
    """Write (or clear) the session cookie asked for by the previous run, once."""
    action = st.session_state.pop(COOKIE_ACTION_KEY, None)
    if action is None:
        return
    name = json.dumps(sessions.COOKIE_NAME)
    value = json.dumps(str(action))  # a token is base64url and dots only
    max_age = int(sessions.SESSION_LIFETIME.total_seconds()) if action else 0
    st.html(
        "<script>(function(){var secure=location.protocol==='https:'?'; Secure':'';"
        f"document.cookie={name}+'='+{value}+'; Path=/; Max-Age={max_age}"
        "; SameSite=Strict'+secure;})();</script>",
        unsafe_allow_javascript=True,
    )


def _signed_in_box(viewer: Viewer) -> None:
    st.text(f"Signed in as {viewer.email}")
    if viewer.role == "public":
        st.caption("This address has no account with a role, so you see what the public "
                   "sees. Ask coalition staff to add it.")
    if st.button("Sign out", key="sign_out"):
        sign_out()


def sign_out() -> None:
    """Forget the signed-in viewer and everything this session kept (it may hold names
    the public must not see); end the account's signed sessions (every browser) and
    clear the session cookie; end a single sign-on too."""
    viewer = st.session_state.get(VIEWER_KEY)
    if isinstance(viewer, Viewer) and viewer.signed_in:
        store().users.end_sessions(viewer.email)
    for key in list(st.session_state):
        del st.session_state[key]
    st.session_state[COOKIE_ACTION_KEY] = ""
    if _sso_email():
        # st.logout() only queues the redirect to /auth/logout (identity cookie cleared,
        # then the provider's end-session page). A rerun now would clear that queue
        # before it reaches the browser, and the sign-out would be lost now and then:
        # end this run instead and let the redirect go out.
        st.logout()
        st.stop()
    st.rerun()


def _sign_in_box() -> None:
    with st.expander("Sign in", expanded=False):
        if sso_configured() and st.button("Sign in with SSO", key="sign_in_sso"):
            st.login(_sso_provider())
        with st.form("sign_in_form", clear_on_submit=True, border=False):
            email = st.text_input("E-mail", key="sign_in_email", max_chars=254)
            password = st.text_input("Password", type="password", key="sign_in_password",
                                     max_chars=200)
            submitted = st.form_submit_button("Sign in", key="sign_in_submit")
        if submitted:
            try:
                viewer = authenticate(store(), email, password, client=_client())
            except SignInError as exc:
                st.error(str(exc))
                return
            user = store().users.get_user(viewer.email)
            st.session_state[VIEWER_KEY] = viewer
            st.session_state[GENERATION_KEY] = user.session_generation if user else -1
            token = sessions.token_for(store(), _session_key(), viewer)
            if token:
                st.session_state[COOKIE_ACTION_KEY] = token
            st.rerun()


# --- tables ---------------------------------------------------------------------------

# How table columns are shown, by their display name (``geo.analysis.columns.LABELS``).
PERCENT_COLUMNS: frozenset[str] = frozenset({"Children in poverty (%)"})
ID_COLUMNS: frozenset[str] = frozenset({"Rank", "Start year"})  # whole numbers without separators
LINK_COLUMNS: frozenset[str] = frozenset({"Website", "A website", "B website"})
WIDE_COLUMNS: frozenset[str] = frozenset({
    "Partner", "Place", "District", "Site", "Name", "Why", "Where", "Partner A", "Partner B",
    "Site A", "Site B", "Why introduce them", "Partner names", "Kinds of work", "Principles",
    "Expertise",
})
MISSING = "—"


def column_formats(df) -> dict[str, Any]:
    """``st.column_config`` for every column of a display table (human column names):
    percentages as "20.7%", counts with thousands separators ("1,234"), ids and years as
    plain whole numbers, miles and scores with fixed decimals, links as links, and
    names wide enough to read."""
    import pandas as pd

    config: dict[str, Any] = {}
    for col in df.columns:
        name = str(col)
        values = df[col]
        numeric = (pd.api.types.is_numeric_dtype(values.dtype)
                   and not pd.api.types.is_bool_dtype(values.dtype))
        if name in LINK_COLUMNS:
            config[name] = st.column_config.LinkColumn(name)
        elif name in PERCENT_COLUMNS:
            config[name] = st.column_config.NumberColumn(name, format="%.1f%%")
        elif numeric and (name in ID_COLUMNS or name.endswith(" ID")):
            config[name] = st.column_config.NumberColumn(name, format="%d")
        elif numeric:
            finite = pd.to_numeric(values, errors="coerce").dropna()
            whole = (bool(len(finite)) and bool((finite == finite.round()).all())
                     and "(mi)" not in name)
            fmt = "localized" if whole else ("%.2f" if "(mi)" in name else "%.1f")
            config[name] = st.column_config.NumberColumn(name, format=fmt)
        elif name in WIDE_COLUMNS:
            config[name] = st.column_config.TextColumn(name, width="large")
    return config


def first_rows(df: pd.DataFrame, limit: int) -> pd.DataFrame:
    """The first ``limit`` rows of a ranked table, for showing; when there are more, a
    caption under the table says how many are shown and that the download has them all
    (a national table of 100,000 rows is never sent to every browser)."""
    if len(df) <= limit:
        return df
    st.caption(f"Showing the first {limit:,} of {len(df):,} rows, in the order ranked; "
               "the download (CSV) has them all.")
    return df.head(limit)


def table(df, *, column_config: dict[str, Any] | None = None, hide_index: bool = True,
          **kwargs: Any) -> Any:
    """Show a display table (``geo.analysis.for_display``) the one way every page does:
    :func:`column_formats`, missing values as "—", full width. ``column_config``
    entries override the defaults (e.g. a progress bar for a score)."""
    config = column_formats(df)
    config.update(column_config or {})
    return st.dataframe(df, hide_index=hide_index, width="stretch", placeholder=MISSING,
                        column_config=config, **kwargs)

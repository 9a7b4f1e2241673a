"""Real OAuth2 clients against `gatehouse serve`: authlib (python3-authlib) and requests-oauthlib
(python3-requests-oauthlib), each through its own API as an application uses it.

stdin: {"url", "username", "password", "refresh": bool, "scope": "me items" (optional)}
stdout: {"authlib": {...}, "requests_oauthlib": {...}}: what each client saw, for the test to judge.

Per client: fetch_token with the password grant, GET /users/me/ with the token, fetch_token with a
wrong password (which error the client raised, and its `error`). With "refresh": wait until the
access token has expired (by the client's own clock: expires_in), GET /users/me/ again, which the
client refreshes on its own before sending, then a bogus refresh token through the client's
refresh call.
"""
import json
import os
import sys
import time

# requests-oauthlib refuses http:// unless told (the test server listens on 127.0.0.1 without TLS).
os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"

from authlib.integrations.base_client import OAuthError  # noqa: E402
from authlib.integrations.requests_client import OAuth2Session as AuthlibSession  # noqa: E402
from oauthlib.oauth2 import LegacyApplicationClient, OAuth2Error  # noqa: E402
from requests_oauthlib import OAuth2Session as OAuthlibSession  # noqa: E402

CLIENT_ID = "gatehouse-interop"


def error_of(error):
    """Class name and RFC 6749 code of an exception a client raised."""
    return {"raised": type(error).__name__, "error": getattr(error, "error", None)}


def wait_for_expiry(expires_at):
    """Sleep past an access token's expiry, as the client reckons it (whole seconds)."""
    delay = expires_at - time.time() + 1.1
    if delay > 0:
        time.sleep(delay)


def call_after_expiry(session, url, first_access, first_refresh, updates):
    """GET /users/me/ with an expired token: what the client's automatic refresh did."""
    me = session.get(url + "/users/me/")
    return {
        "status": me.status_code,
        "username": me.json().get("username"),
        "refreshed": session.token["access_token"] != first_access,
        "rotated": session.token.get("refresh_token") not in (None, first_refresh),
        "update_token_calls": len(updates),
    }


def authlib_case(config):
    url = config["url"]
    token_url = url + "/token"
    result = {}
    updates = []
    session = AuthlibSession(
        client_id=CLIENT_ID,
        token_endpoint=token_url,
        scope=config.get("scope"),
        update_token=lambda token, refresh_token=None, access_token=None: updates.append(refresh_token),
    )
    try:
        token = session.fetch_token(token_url, username=config["username"], password=config["password"])
        result["token"] = {
            "keys": sorted(token.keys()),
            "token_type": token.get("token_type"),
            "expires_in": token.get("expires_in"),
            "has_expires_at": token.get("expires_at") is not None,
            "has_refresh_token": "refresh_token" in token,
            "scope": token.get("scope"),
        }
    except OAuthError as error:
        result["token"] = error_of(error)
        return result
    me = session.get(url + "/users/me/")
    result["me"] = {"status": me.status_code, "username": me.json().get("username")}

    wrong = AuthlibSession(client_id=CLIENT_ID, token_endpoint=token_url)
    try:
        answer = wrong.fetch_token(token_url, username=config["username"], password="not-" + config["password"])
        result["wrong_password"] = {"raised": None, "returned": sorted(answer.keys())}
    except OAuthError as error:
        result["wrong_password"] = error_of(error)

    if config.get("refresh"):
        first_access = session.token["access_token"]
        first_refresh = session.token.get("refresh_token")
        wait_for_expiry(session.token["expires_at"])
        result["expired_before_call"] = bool(session.token.is_expired())
        # ensure_active_token: the session sees the expiry and refreshes before sending.
        result["after_expiry"] = call_after_expiry(session, url, first_access, first_refresh, updates)
        try:
            session.refresh_token(token_url, refresh_token="not-a-refresh-token")
            result["bad_refresh"] = {"raised": None}
        except OAuthError as error:
            result["bad_refresh"] = error_of(error)
    return result


def requests_oauthlib_case(config):
    url = config["url"]
    token_url = url + "/token"
    result = {}
    updates = []
    scope = config["scope"].split() if config.get("scope") else None
    # The client sends its own scope in the password grant; the session's checks the answer's.
    session = OAuthlibSession(
        client=LegacyApplicationClient(client_id=CLIENT_ID, scope=scope),
        scope=scope,
        auto_refresh_url=token_url,
        auto_refresh_kwargs={"client_id": CLIENT_ID},
        token_updater=updates.append,
    )
    try:
        token = session.fetch_token(
            token_url, username=config["username"], password=config["password"], include_client_id=True
        )
        result["token"] = {
            "keys": sorted(token.keys()),
            "token_type": token.get("token_type"),
            "expires_in": token.get("expires_in"),
            "has_expires_at": token.get("expires_at") is not None,
            "has_refresh_token": "refresh_token" in token,
            "scope": token.get("scope"),
        }
    except OAuth2Error as error:
        result["token"] = error_of(error)
        return result
    me = session.get(url + "/users/me/")
    result["me"] = {"status": me.status_code, "username": me.json().get("username")}

    wrong = OAuthlibSession(client=LegacyApplicationClient(client_id=CLIENT_ID))
    try:
        answer = wrong.fetch_token(
            token_url, username=config["username"], password="not-" + config["password"], include_client_id=True
        )
        result["wrong_password"] = {"raised": None, "returned": sorted(answer.keys())}
    except OAuth2Error as error:
        result["wrong_password"] = error_of(error)

    if config.get("refresh"):
        first_access = session.token["access_token"]
        first_refresh = session.token.get("refresh_token")
        wait_for_expiry(session.token["expires_at"])
        result["expired_before_call"] = session.token["expires_at"] < time.time()
        # add_token raises TokenExpiredError; with auto_refresh_url the session refreshes and retries.
        result["after_expiry"] = call_after_expiry(session, url, first_access, first_refresh, updates)
        try:
            session.refresh_token(token_url, refresh_token="not-a-refresh-token")
            result["bad_refresh"] = {"raised": None}
        except OAuth2Error as error:
            result["bad_refresh"] = error_of(error)
    return result


def main():
    config = json.load(sys.stdin)
    out = {}
    for name, case in (("authlib", authlib_case), ("requests_oauthlib", requests_oauthlib_case)):
        try:
            out[name] = case(config)
        except Exception as error:  # reported, for the test to show, rather than a traceback
            out[name] = {"crashed": "%s: %s" % (type(error).__name__, error)}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()

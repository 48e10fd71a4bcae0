"""Completing the daily broker login from the broker's browser redirect (the API's login callback).

Zerodha redirects to ``…/broker/zerodha/callback?request_token=…&status=success``, Upstox to
``…/broker/upstox/callback?code=…``. :meth:`BrokerLogin.complete` exchanges the token through the
sdk's login functions (the same as ``vyapari login``), checks the account when the keys name one
(``KITE_USER_ID`` / ``UPSTOX_USER_ID``), and only then stores the session through the secrets port
(Secrets Manager in AWS, the 0600 file locally), where the running live service picks it up.

Broker keys come from the ``broker-keys`` secret (``KITE_API_KEY``, ``KITE_API_SECRET``,
``UPSTOX_API_KEY``, ``UPSTOX_API_SECRET``, optional ``UPSTOX_REDIRECT_URI``); non-secret settings
(``KITE_API_ROOT``, ``UPSTOX_API_HOST``, ``UPSTOX_REDIRECT_URI``, time-outs) from the environment.
Errors name the broker and the kind of failure, never a token, code, key or secret.

Anti-forgery: :meth:`BrokerLogin.start` issues a single-use ``state`` (10 minutes) into the login URL,
and :meth:`BrokerLogin.complete` accepts a redirect only with such a state, consumed before the
exchange (:mod:`vyapari.brokers.login_state`). With ``require_user_id`` (``VYAPARI_REQUIRE_BROKER_USER_ID``,
set in prod) the exchange is refused until ``KITE_USER_ID`` / ``UPSTOX_USER_ID`` names the owner's
account, so another account's valid login can never replace the owner's session.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING

from vyapari.api.errors import ApiError
from vyapari.brokers.errors import BrokerError
from vyapari.brokers.login_state import LoginStateRejected
from vyapari.brokers.secrets import InMemorySecretsStore, SecretsStore
from vyapari.brokers.session import BrokerSession, SessionProvider, now_ist
from vyapari.core.errors import InvalidInput

if TYPE_CHECKING:
    from vyapari.brokers.login_state import LoginStates

BROKERS = ("zerodha", "upstox")
KEYS_SECRET = "broker-keys"
EXPECTED_USER = {"zerodha": "KITE_USER_ID", "upstox": "UPSTOX_USER_ID"}
SETTING_PREFIXES = ("KITE_", "UPSTOX_")


class LoginFailed(ApiError):
    """The broker refused the token (expired, used twice, wrong app) or the account is not ours."""

    status = 401
    code = "login_failed"


class BrokerUnavailable(ApiError):
    """The broker could not be reached or answered with a server error; retrying may work."""

    status = 502
    code = "broker_unavailable"


class LoginStateInvalid(ApiError):
    """The redirect's ``state`` is missing, unknown, used, expired or another broker's: not our login."""

    status = 403
    code = "login_state_invalid"


class LoginNotConfigured(ApiError):
    """Keys or settings needed for the exchange are missing."""

    status = 503
    code = "login_not_configured"


def broker_settings(env: Mapping[str, str]) -> dict[str, str]:
    """The ``KITE_*`` / ``UPSTOX_*`` variables of ``env``."""
    return {k: v for k, v in env.items() if k.startswith(SETTING_PREFIXES)}


@dataclass
class BrokerLogin:
    """Exchanges a redirect's token for a session and stores it (see the module docstring).

    Parameters
    ----------
    secrets : SecretsStore
        Holds ``broker-keys`` (optional locally, where keys may come from ``settings``) and receives
        ``<broker>/session``.
    settings : Mapping[str, str]
        ``KITE_*`` / ``UPSTOX_*`` settings; keys stored in ``broker-keys`` take precedence.
    clock : callable
        The current instant (IST); the session's expiry follows the broker's rule from it.
    states : LoginStates, optional
        Where login states are issued and consumed; without it no login can start or complete.
    require_user_id : bool
        Refuse logins while the broker's user id setting is empty (prod).
    """

    secrets: SecretsStore
    settings: Mapping[str, str] = field(default_factory=dict)
    clock: Callable[[], datetime] = now_ist
    states: LoginStates | None = None
    require_user_id: bool = False

    def _states(self, broker: str) -> LoginStates:
        if self.states is None:
            raise LoginNotConfigured(f"{broker} login is not configured: no login-state store")
        return self.states

    def _expected_user(self, broker: str, env: Mapping[str, str]) -> str | None:
        expected = env.get(EXPECTED_USER[broker])
        if self.require_user_id and not expected:
            raise LoginNotConfigured(f"{broker} login is not configured: {EXPECTED_USER[broker]} is required "
                                     "here (set it in the broker-keys secret)")
        return expected or None

    def start(self, broker: str) -> tuple[str, datetime]:
        """Issue a login state; ``(the broker's login URL carrying it, when the state expires)``."""
        from datetime import timedelta

        from vyapari.brokers.login_state import STATE_TTL_S

        if broker not in BROKERS:
            raise InvalidInput("broker", f"must be one of {', '.join(BROKERS)}")
        env = self._env()
        self._expected_user(broker, env)
        try:
            if broker == "zerodha":
                from vyapari.brokers.zerodha import kite_config_from_env, kite_login_url

                make_url: Callable[[str], str] = partial(kite_login_url, kite_config_from_env(env))
            else:
                from vyapari.brokers.upstox import upstox_config_from_env, upstox_login_url

                make_url = partial(upstox_login_url, upstox_config_from_env(env))
        except InvalidInput as exc:
            raise LoginNotConfigured(f"{broker} login is not configured: {exc.field} {exc.reason}") from None
        now = self.clock()
        state = self._states(broker).issue(broker, now.timestamp(), STATE_TTL_S)
        return make_url(state), now + timedelta(seconds=STATE_TTL_S)

    def _env(self) -> dict[str, str]:
        keys = self.secrets.get(KEYS_SECRET) or {}
        return {**self.settings, **{k: v for k, v in keys.items() if v}}

    def complete(self, broker: str, token: str, state: str | None) -> BrokerSession:
        """Consume ``state``, exchange ``token`` (Kite ``request_token``, Upstox ``code``), store it."""
        if broker not in BROKERS:
            raise InvalidInput("broker", f"must be one of {', '.join(BROKERS)}")
        env = self._env()
        expected = self._expected_user(broker, env)
        try:
            self._states(broker).consume(broker, state, self.clock().timestamp())
        except LoginStateRejected as exc:
            raise LoginStateInvalid(str(exc)) from None
        scratch = SessionProvider(broker, InMemorySecretsStore(), clock=self.clock)
        try:
            session = self._exchange(broker, env, token, scratch)
        except InvalidInput as exc:
            raise LoginNotConfigured(f"{broker} login is not configured: {exc.field} {exc.reason}") from None
        except BrokerError as exc:
            kind = exc.kind or type(exc).__name__
            if exc.retryable or exc.outcome_unknown:
                raise BrokerUnavailable(f"{broker} did not answer the token exchange ({kind}); "
                                        "start the login again in a minute") from None
            raise LoginFailed(f"{broker} refused the login ({kind}): the token is invalid, expired or "
                              "already used; start the login again") from None
        if expected and session.user_id != expected:
            raise LoginFailed(f"the {broker} session belongs to another account than "
                              f"{EXPECTED_USER[broker]}; it was not stored")
        SessionProvider(broker, self.secrets, clock=self.clock).save(session)
        return session

    def _exchange(self, broker: str, env: Mapping[str, str], token: str,
                  provider: SessionProvider) -> BrokerSession:
        if broker == "zerodha":
            from vyapari.brokers.zerodha import kite_config_from_env, kite_login

            return kite_login(kite_config_from_env(env), token, provider, clock=self.clock)
        from vyapari.brokers.upstox import upstox_config_from_env, upstox_login

        return upstox_login(upstox_config_from_env(env), token, provider, clock=self.clock)

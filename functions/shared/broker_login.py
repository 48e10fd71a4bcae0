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
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from vyapari.api.errors import ApiError
from vyapari.brokers.errors import BrokerError
from vyapari.brokers.secrets import InMemorySecretsStore, SecretsStore
from vyapari.brokers.session import BrokerSession, SessionProvider, now_ist
from vyapari.core.errors import InvalidInput

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
    """

    secrets: SecretsStore
    settings: Mapping[str, str] = field(default_factory=dict)
    clock: Callable[[], datetime] = now_ist

    def _env(self) -> dict[str, str]:
        keys = self.secrets.get(KEYS_SECRET) or {}
        return {**self.settings, **{k: v for k, v in keys.items() if v}}

    def complete(self, broker: str, token: str) -> BrokerSession:
        """Exchange ``token`` (Kite ``request_token`` / Upstox ``code``) and store the session."""
        if broker not in BROKERS:
            raise InvalidInput("broker", f"must be one of {', '.join(BROKERS)}")
        env = self._env()
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
        expected = env.get(EXPECTED_USER[broker])
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

"""The local API's default limits, kept apart from the gateway so ``vyapari api --help`` can show
them without importing the server: the largest request body (bytes) and a login token's life (s)."""

MAX_BODY_BYTES = 1 << 20
TOKEN_TTL_S = 3600

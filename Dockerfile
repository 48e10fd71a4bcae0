# One image for the Fargate tasks: large backtest work items and the live-trading service.
# The default entrypoint is the vyapari CLI (`docker run IMAGE calendar ...` works as on a laptop).
# The task definitions override it with a Python module that wires the AWS ports:
#   backtest work item: ENTRYPOINT python -m functions.run_backtest_task
#   live service:       ENTRYPOINT python -m functions.live_service
#                       CMD live --broker zerodha --strategy vwap_reversion --symbols ... --state-dir /tmp/...
#   (the same arguments as `vyapari live`; order state in DynamoDB, session from Secrets Manager)
FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY sdk ./sdk
COPY functions ./functions
RUN pip install --no-cache-dir --prefix=/install ".[aws,brokers]"

FROM python:3.12-slim
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    NUMBA_CACHE_DIR=/tmp/numba-cache
RUN useradd --create-home --uid 10001 vyapari
COPY --from=build /install /usr/local
COPY functions /app/functions
WORKDIR /app
USER vyapari
# SIGTERM from ECS reaches the process directly (exec form), which shuts the live service down gracefully.
ENTRYPOINT ["vyapari"]
CMD ["--help"]

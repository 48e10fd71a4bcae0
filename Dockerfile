# One image for the Fargate tasks: large backtest work items and the live-trading service.
# The entrypoint is the vyapari CLI; the task definition chooses the command, e.g.
#   ["backtest", "--strategy", "sma_cross", "--lake", "/data/lake", ...]   (a backtest work item)
#   ["live", "--broker", "zerodha", "--strategy", "vwap_reversion"]         (the live service)
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
# SIGTERM from ECS reaches the CLI directly (exec form), which shuts the live service down gracefully.
ENTRYPOINT ["vyapari"]
CMD ["--help"]

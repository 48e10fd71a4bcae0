# One image for the Fargate tasks AND the heavy Lambdas (numba, pandas, pyarrow, calendars, plotly).
# Every package version comes from requirements/lock.txt (passed to pip as constraints).
# The default entrypoint is the vyapari CLI (`docker run IMAGE calendar ...` works as on a laptop).
#   backtest work item (Fargate): ENTRYPOINT python -m functions.run_backtest_task
#   live service (Fargate):       ENTRYPOINT python -m functions.live_service
#                                 CMD live --broker zerodha --strategy vwap_reversion --symbols ...
#   heavy Lambda:                 ENTRYPOINT python -m functions.image.lambda_entry
#                                 CMD functions.<name>.handler.lambda_handler   (one per function)
# numba's cache is compiled here (NUMBA_CACHE_DIR, CPU-independent with NUMBA_CPU_NAME=generic), so a
# cold start loads kernels instead of compiling them (~24 s with an empty cache); the warm-up also keeps
# the calendar library's sessions in VYAPARI_CACHE_DIR, so a run need not import that library.
ARG IMAGE_EXTRAS=aws,brokers,pairs,lambda

FROM python:3.12-slim AS build
ARG IMAGE_EXTRAS
WORKDIR /src
COPY requirements/lock.txt ./requirements/lock.txt
COPY pyproject.toml README.md ./
COPY sdk ./sdk
RUN pip install --no-cache-dir --prefix=/install -c requirements/lock.txt ".[${IMAGE_EXTRAS}]"

FROM python:3.12-slim
ENV PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    NUMBA_CACHE_DIR=/opt/numba-cache \
    NUMBA_CPU_NAME=generic \
    VYAPARI_CACHE_DIR=/opt/vyapari-cache
RUN useradd --create-home --uid 10001 vyapari
COPY --from=build /install /usr/local
COPY functions /app/functions
WORKDIR /app
RUN python -m functions.image.warm_numba \
    && python -m compileall -q /app/functions \
    && chown -R vyapari /opt/numba-cache /opt/vyapari-cache
USER vyapari
# SIGTERM from ECS reaches the process directly (exec form), which shuts the live service down gracefully.
ENTRYPOINT ["vyapari"]
CMD ["--help"]

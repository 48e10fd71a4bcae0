# One image for the Fargate tasks AND the heavy Lambdas (numba, pandas, pyarrow, calendars, plotly).
# Every package version comes from requirements/lock.txt (passed to pip as constraints).
# The default entrypoint is the vyapari CLI (`docker run IMAGE calendar ...` works as on a laptop).
#   backtest work item (Fargate): ENTRYPOINT python -m functions.run_backtest_task
#   live service (Fargate):       ENTRYPOINT python -m functions.live_service
#                                 CMD live --broker zerodha --strategy vwap_reversion --symbols ...
#   heavy Lambda:                 ENTRYPOINT python -m functions.image.lambda_entry
#                                 CMD functions.<name>.handler.lambda_handler   (one per function)
# The kernels are compiled ahead of time in the build stage (numba.pycc needs its C compiler, which stays
# there) into one extension module under VYAPARI_CACHE_DIR (vyapari.core.aot; generic CPU): a run loads
# it in a millisecond and never imports numba. Should it not load, the final stage's warm-up compiles
# numba's JIT cache instead (NUMBA_CACHE_DIR, NUMBA_CPU_NAME=generic; ~24 s with an empty cache). The
# warm-up also keeps the calendar library's sessions in VYAPARI_CACHE_DIR, so a run need not import it.
ARG IMAGE_EXTRAS=aws,brokers,pairs,lambda

FROM python:3.12-slim AS build
ARG IMAGE_EXTRAS
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY requirements/lock.txt ./requirements/lock.txt
COPY pyproject.toml README.md ./
COPY sdk ./sdk
RUN pip install --no-cache-dir --prefix=/install -c requirements/lock.txt ".[${IMAGE_EXTRAS}]"
# same Python, same packages and sources as the final stage: the same cache key (vyapari.core.aot)
RUN PYTHONPATH=/install/lib/python3.12/site-packages VYAPARI_CACHE_DIR=/opt/vyapari-cache \
    python -c "from vyapari.core.aot import build; print(build())"

FROM python:3.12-slim
ENV PYTHONUNBUFFERED=1 \
    PYTHONPATH=/app \
    NUMBA_CACHE_DIR=/opt/numba-cache \
    NUMBA_CPU_NAME=generic \
    VYAPARI_CACHE_DIR=/opt/vyapari-cache
RUN useradd --create-home --uid 10001 vyapari
COPY --from=build /install /usr/local
COPY --from=build /opt/vyapari-cache /opt/vyapari-cache
COPY functions /app/functions
WORKDIR /app
RUN mkdir -p /opt/numba-cache /opt/vyapari-cache && python -m functions.image.warm_numba \
    && python -m compileall -q /app/functions \
    && chown -R vyapari /opt/numba-cache /opt/vyapari-cache
USER vyapari
# SIGTERM from ECS reaches the process directly (exec form), which shuts the live service down gracefully.
ENTRYPOINT ["vyapari"]
CMD ["--help"]

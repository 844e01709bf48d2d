# pm-trader in a container: the bot as a non-root user, its book on a volume.
#   docker build -t pm-trader .
#   docker run --rm -v pm-trader-data:/data pm-trader --cycles 6      # the embedded simulator
# Live trading needs its keys (an env file) and, each run, the real-money flag on the command.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN useradd --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin pmtrader
WORKDIR /app

# Every package at its locked version and hash, then the program over them without resolving.
COPY requirements.lock ./
RUN python -m pip install --require-hashes -r requirements.lock
COPY pyproject.toml README.md main.py ./
COPY actors ./actors
COPY commands ./commands
COPY domain ./domain
COPY infra ./infra
COPY migrations ./migrations
COPY services ./services
COPY web ./web
RUN python -m pip install --no-deps --no-build-isolation . && rm -rf build *.egg-info

# The book, its WAL, the LLM usage file and archived books live here; 0700, owned by the bot.
RUN mkdir -m 0700 /data && chown pmtrader:pmtrader /data
VOLUME ["/data"]
ENV PMT_DB=/data/pm-trader.db

# The bot serves its dashboard, /metrics and /healthz on the container's loopback (read-only
# without PMT_DASHBOARD__TOKEN); compose publishes it to the host's loopback.
ENV PMT_DASHBOARD__SERVE=true
EXPOSE 8686
# /healthz answers 503 when the last cycle is too old or a halt is on (README, Dashboard).
HEALTHCHECK --interval=60s --timeout=10s --start-period=120s --retries=3 \
    CMD ["python", "-c", "import urllib.request as u; u.urlopen('http://127.0.0.1:8686/healthz', timeout=5)"]

USER pmtrader
# SIGTERM is the bot's orderly stop: it finishes the order in hand, then exits.
STOPSIGNAL SIGTERM
ENTRYPOINT ["pm-trader"]
CMD ["--cycles", "6"]

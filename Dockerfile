# estate-desk as a container: slim, non-root, the CJK font for report charts,
# the database and the estate file on a volume (/data). See docs/deployment.md.
FROM python:3.11-slim

RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-wqy-microhei \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin estate

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY delivery ./delivery
COPY views ./views
COPY workflow ./workflow
COPY playground ./playground
COPY locales ./locales
# Editable, so the catalogues in /app/locales are found beside the code.
RUN pip install --no-cache-dir -e . && python -m compileall -q /app

# Settings come from the environment (BOT_TOKEN, ADMIN_IDS, ...); these two put
# the state on the volume. Mount your estate.toml at /data/estate.toml.
ENV DATABASE_PATH=/data/estate-desk.sqlite3 \
    ESTATE_CONFIG=/data/estate.toml \
    PYTHONUNBUFFERED=1
VOLUME ["/data"]
USER estate
WORKDIR /data
ENTRYPOINT ["python", "-m", "bot"]
CMD ["run"]

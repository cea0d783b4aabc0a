# Talenta Airflow image: Python 3.11, the locked dependencies from uv.lock (apache-airflow 3.3.2 and its
# providers, pandas, pyarrow, duckdb, great-expectations, ...) and the talenta package itself.
# No _PIP_ADDITIONAL_REQUIREMENTS: every container runs exactly what uv.lock pins.
FROM python:3.11-slim-bookworm

COPY --from=ghcr.io/astral-sh/uv:0.9.30 /uv /uvx /usr/local/bin/

ENV AIRFLOW_HOME=/opt/airflow \
    TALENTA_HOME=/opt/talenta \
    UV_PROJECT_ENVIRONMENT=/opt/talenta/.venv \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    PATH=/opt/talenta/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1

RUN apt-get update \
    && apt-get install -y --no-install-recommends tini libpq5 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --uid 50000 --gid 0 --home-dir /opt/airflow --create-home airflow

WORKDIR /opt/talenta

# Dependencies first (cached layer while only the code changes), then the project, both from the lock.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY src ./src
COPY config ./config
COPY sql ./sql
COPY expectations ./expectations
RUN uv sync --frozen --no-dev --no-editable

COPY dags /opt/airflow/dags
COPY plugins /opt/airflow/plugins
RUN mkdir -p /opt/airflow/logs /opt/airflow/auth /opt/talenta/data \
    && chown -R 50000:0 /opt/airflow /opt/talenta/data

USER 50000
EXPOSE 8080
# tini reaps the task supervisor's children; commands are airflow sub-commands as in the official image.
ENTRYPOINT ["/usr/bin/tini", "--", "airflow"]
CMD ["version"]

# syntax=docker/dockerfile:1
# The production image: one journeygraph process per container, scaled by replicas
# (docs/deploy.md). Migrations are a separate, one-off command:
#   docker run --rm -e JOURNEYGRAPH_DATABASE_URL=... journeygraph journeygraph migrate
#   docker run -e JOURNEYGRAPH_DATABASE_URL=... -p 8000:8000 journeygraph
# compose.yaml runs both against PostgreSQL.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
# Dependencies first: this layer is reused until pyproject.toml changes.
COPY pyproject.toml README.md ./
RUN for package in core execution schema resolvers db db/queries; do mkdir -p "journeygraph/$package"; \
        touch "journeygraph/$package/__init__.py"; done \
    && touch journeygraph/__init__.py \
    && pip install . \
    && pip uninstall --yes journeygraph \
    && rm -rf journeygraph build
COPY journeygraph ./journeygraph
COPY schema ./schema
COPY resolvers ./resolvers
COPY db ./db
COPY alembic.ini ./
COPY alembic ./alembic
COPY clients/queries ./clients/queries
# Editable: the code, alembic.ini and the migrations stay together under /app.
RUN pip install --no-deps -e .

FROM python:3.11-slim
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
RUN groupadd --gid 10001 journeygraph \
    && useradd --uid 10001 --gid 10001 --no-create-home --shell /usr/sbin/nologin journeygraph
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2).status != 200)"]
CMD ["journeygraph", "serve", "--host", "0.0.0.0", "--port", "8000", "--no-migrate"]

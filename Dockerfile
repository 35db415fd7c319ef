# syntax=docker/dockerfile:1
# Production image. Migrations are a separate step:
#   docker run --rm -e JOURNEYGRAPH_DATABASE_URL=... journeygraph journeygraph migrate
#   docker run -e JOURNEYGRAPH_DATABASE_URL=... -p 8000:8000 journeygraph

FROM python:3.11-slim AS build
WORKDIR /app
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY pyproject.toml README.md ./
COPY journeygraph ./journeygraph
COPY schema ./schema
COPY resolvers ./resolvers
COPY db ./db
RUN pip install --no-cache-dir -e .

FROM python:3.11-slim
RUN useradd --create-home --uid 10001 journeygraph
WORKDIR /app
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
COPY alembic.ini ./
COPY alembic ./alembic
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1
USER journeygraph
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --retries=3 \
  CMD ["python", "-c", "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/readyz').status != 200)"]
CMD ["journeygraph", "serve", "--host", "0.0.0.0", "--port", "8000"]

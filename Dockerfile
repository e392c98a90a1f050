# The service on an embedded SQLite database in /data; set DATABASE_URL for PostgreSQL.
# Two stages: the first installs the service into a virtual environment (pip stays outside it),
# the only thing the image takes from it.
FROM python:3.11-slim AS build

# PEM certificates to trust while installing, beside the usual ones: a TLS-inspecting proxy's,
# for builds behind one (--build-arg EXTRA_CA_CERTS="$(cat proxy-ca.pem)"). They stay in this
# stage: the image holds neither them nor this argument.
ARG EXTRA_CA_CERTS=""
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_CERT=/tmp/build-ca.pem
RUN { cat /etc/ssl/certs/ca-certificates.crt; printf '%s\n' "$EXTRA_CA_CERTS"; } > "$PIP_CERT" \
    && python -m venv --without-pip /opt/venv

# The dependencies first, from pyproject.toml alone, so a change to the code reuses them.
WORKDIR /src
COPY pyproject.toml ./
RUN python -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"], sep="\n")' \
        > /tmp/requirements.txt \
    && python -m pip --python /opt/venv/bin/python install --quiet --requirement /tmp/requirements.txt
COPY README.md ./
COPY service ./service
COPY alembic ./alembic
RUN python -m pip --python /opt/venv/bin/python install --quiet --no-deps .

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    HOST=0.0.0.0 \
    PORT=8000 \
    DATABASE_URL=sqlite:////data/service.db

RUN useradd --uid 10001 --user-group --no-create-home --no-log-init --shell /usr/sbin/nologin app \
    && mkdir /data && chown app:app /data
COPY --from=build /opt/venv /opt/venv

USER app
EXPOSE 8000
VOLUME ["/data"]
HEALTHCHECK --interval=30s --timeout=3s \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=2)"]
CMD ["python", "-m", "service", "serve"]

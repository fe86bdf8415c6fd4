# Easel: one image for the web server and the task worker (see compose.yaml).
FROM python:3.13-slim

ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    VIRTUAL_ENV=/app/.venv \
    PATH="/app/.venv/bin:$PATH" \
    EASEL_DATA_DIR=/data \
    EASEL_BIND=0.0.0.0 \
    PORT=8000

WORKDIR /app
RUN pip install --no-cache-dir uv

# Dependencies first, so code changes don't reinstall them.
COPY pyproject.toml uv.lock .python-version ./
RUN uv sync --frozen --no-dev

COPY . .
# A throwaway key and data folder: nothing secret is baked into the image.
RUN SECRET_KEY=collectstatic-only-not-a-secret EASEL_DATA_DIR=/tmp/build-data \
        python manage.py collectstatic --noinput \
    && rm -rf /tmp/build-data \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin easel \
    && mkdir -p /data \
    && chown easel /data \
    && chmod 700 /data

USER easel
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8000'), timeout=4)"]
ENTRYPOINT ["./docker-entrypoint.sh"]
CMD ["gunicorn", "-c", "gunicorn.conf.py"]

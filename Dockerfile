FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
RUN pip install --no-cache-dir -e .
COPY . .
RUN DEBUG=true SECRET_KEY=build-only python manage.py collectstatic --noinput
RUN useradd --create-home postsale && mkdir -p /app/var && chown -R postsale /app/var
USER postsale
EXPOSE 8000
CMD ["gunicorn", "postsale.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]

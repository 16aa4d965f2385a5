# The Helpcenter application image. The same image serves the site under gunicorn and runs the
# search outbox worker (`python manage.py search_worker`); see docker-compose.yml.
# Build from the repository root:  docker build -f docker/app.Dockerfile -t helpcenter .
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=helpcenter.settings.production \
    HELPCENTER_VAR_DIR=/srv/helpcenter/var \
    MEDIA_ROOT=/srv/helpcenter/media

WORKDIR /app
RUN useradd --system --create-home --home-dir /home/helpcenter helpcenter \
    && mkdir -p /srv/helpcenter/var /srv/helpcenter/media

# Dependencies first (a cached layer while only the code changes). psycopg[binary] and icu4py
# (which bundles ICU) are meant to install from binary wheels; if your platform has none, add
# build-essential here. (Not built on the machine this was written on: it has no Docker engine.)
COPY requirements.txt ./
RUN pip install --no-cache-dir -r requirements.txt

COPY . .

# Translations (.po -> .mo with polib) and static files are build output. Production settings
# refuse to start without a SECRET_KEY and ALLOWED_HOSTS: throwaway values serve these two
# commands only; the real ones come from the environment at run time.
RUN SECRET_KEY="build-only-$(python -c 'import secrets; print(secrets.token_hex(32))')" \
    ALLOWED_HOSTS=build.invalid \
    sh -c "python manage.py i18n_compile && python manage.py collectstatic --noinput --verbosity 0"

RUN chown -R helpcenter /srv/helpcenter
USER helpcenter

EXPOSE 8000
# `--chdir site` puts the project package on the path; PYTHONPATH=/app the apps beside it.
CMD ["gunicorn", "--chdir", "site", "helpcenter.wsgi", "--bind", "0.0.0.0:8000", \
     "--workers", "3", "--timeout", "30", "--access-logfile", "-"]

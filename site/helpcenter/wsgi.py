"""WSGI entry point. Run with `gunicorn --chdir site helpcenter.wsgi` (site/ must be on the path)."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpcenter.settings.production")

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()

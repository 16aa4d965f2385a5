"""ASGI entry point (site/ must be on the path)."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpcenter.settings.production")

from django.core.asgi import get_asgi_application

application = get_asgi_application()

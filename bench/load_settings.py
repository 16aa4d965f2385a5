"""Settings for bench/load.py: the soak's production settings plus one bench-only URL, an empty
Django view behind the whole middleware stack (the floor a page can't beat on this machine)."""

from soak_settings import *  # noqa: F403

ROOT_URLCONF = "load_urls"

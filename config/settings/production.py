"""Production: everything comes from base and the environment (DEBUG=0, SECRET_KEY, DATABASE_URL, ...)."""

from config.settings.base import *

"""Settings for the ingest benchmark's server: Rapport's own settings plus one baseline view.

Everything else — database, persistent connections, middleware — is exactly Rapport's, so
the baseline is measured under the same server settings as the API channel.
"""

from rapport.config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

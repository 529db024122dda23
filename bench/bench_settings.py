"""Settings for the ingest benchmark's server: Rapport's own settings plus one baseline view.

Everything else — database, persistent connections, middleware — is exactly Rapport's, so
the baseline is measured under the same server settings as the API channel.
"""

import os

from rapport.config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

# bench/ingest.py --search-index-cost: the same server without the search index, to price it.
if os.environ.get("RAPPORT_BENCH_NO_SEARCH_INDEX"):
    from rapport.search import index as _search_index

    _search_index._put = lambda table, rows, **options: None  # type: ignore[assignment]

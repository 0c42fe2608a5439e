"""Settings for `make load`: bench.settings (DEBUG off, mail to anymail's test backend), but with
the public pages' rate limits as production has them, so a 429 under load is the designed one.
The load generator plays many customers behind one proxy: 127.0.0.1 is a trusted proxy and each
request names its customer's address in X-Forwarded-For (postsale/lib/client_ip.py)."""

from bench.settings import *  # noqa: F403

PUBLIC_RATE_PER_IP = 120
PUBLIC_RATE_PER_TOKEN = 30
TRUSTED_PROXIES = ["127.0.0.1/32"]

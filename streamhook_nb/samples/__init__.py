"""Sample data: signed deliveries built from Stream's documented payloads, with demo secrets.

``webhooks`` writes the small logs of every capture format in ``data/`` (``make data``),
``story`` the week of one app's traffic with its planted incidents (``data/story/``), and
``shards`` a month of sharded logs for the cluster notebook. Only the documented demo secrets
are used.
"""

"""Sample data: signed deliveries built from Stream's documented payloads, with demo secrets.

``webhooks`` writes the small logs of every capture format in ``data/`` (``make data``), with
``other_tools`` for the tools that record deliveries without our receiver (a tcpdump and a
Wireshark capture, a webhook.site export, an AWS Lambda function's logs, a mitmproxy flow
file), laid out by ``packets``, ``webhook_site``, ``lambda_events`` and ``flows`` as those tools
write them; ``story`` the week of one app's traffic with its planted incidents
(``data/story/``), and ``shards`` a month of sharded logs for the cluster notebook. Only the
documented demo secrets are used.
"""

"""Helpers of the linked-data website: IRIs, labels, descriptions, charts and page rendering.

The blueprints that use them are `server.linked_data` (/id, /doc, /def, /graph),
`server.site` (home and overview pages) and `server.query_page` (/query).
"""

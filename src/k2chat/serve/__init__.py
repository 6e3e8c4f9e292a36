"""The web face: the Gradio page (``ui``, with ``static/`` CSS and JavaScript), the signed
conversation store (``conversation``, ``signing``), the HTTP guard and server plumbing
(``guard``, ``serving``) and readers' feedback (``feedback``).

It renders what the Python API (``k2chat.chat``, ``k2chat.pipeline``, ``k2chat.related``)
returns and nothing else. Only ``k2chat.cli`` imports it.
"""

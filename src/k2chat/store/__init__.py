"""The store: from the articles in ``corpus/`` to the index the chain searches.

Owns reading the articles (``corpus``), cutting them into quotable passages (``chunk``,
``reference``: what a sentence that refers back needs), the candidate quotes of a passage
(``quotes``), the BM25 index (``lexical``), ingest (``build``, ``onnx_export``), the files each
build saves for the query path (``derived``, ``passages``), the index's manifest and checks
(``index``), the article's curated safety statements (``statements``), each article's profile
(``profile``: its subject, example questions and forms, ``corpus/*.profile.yaml``) and "open
the index, or build it first" (``ready``, the only module that may use both ``index`` and
``build``). May import the ground floor (``k2chat.types``, ``text``, ``settings``, ``errors``,
``files``) and ``k2chat.models`` (the encoder that embeds the passages); never the chain or
anything above.
"""

"""The chain: a question in, an :class:`~k2chat.types.Answer` out, one way.

``retrieve`` (hybrid search) -> ``evidence`` (candidate quotes and their features) ->
``judge`` (lead, supporting quotes, scope, with ``state``, ``compare``, ``topics``, ``safety``,
``emergency``, ``message``, ``followup``, ``define``) -> ``answer`` (the LCEL chain and the
composer). ``safety`` holds the fixed messages and the rules read from one question,
``emergency`` the emergency rules, ``medicines`` the blood-thinner names, ``claims`` what a
message claims the article says, weighed against it, ``drugs`` the drug-name table.
May import ``k2chat.store``, ``k2chat.models`` and the ground floor; never the pipeline, the
chat, the page or the tools above it.
"""

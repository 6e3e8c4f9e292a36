"""The models: the sentence encoders (``embeddings``) and the fitted classifiers that read
their vectors (``classify``: emergency, question type, scope, lead).

Loading and applying them only; fitting them is ``k2chat.fit`` / ``k2chat.finetune`` (above
everything, since fitting runs the chain). May import the ground floor only.
"""

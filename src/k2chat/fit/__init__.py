"""Fitting every model k2chat decides with (``python -m k2chat.fit``, ``make fit``; its
--help says what is fitted on what).

The package: :mod:`k2chat.fit.examples` (the labelled files and their splits),
:mod:`k2chat.fit.learners` (fitting the text and feature models), :mod:`k2chat.fit.thresholds`
(the costs and the stable choice of a threshold), :mod:`k2chat.fit.drugs` (the drug-name table)
and ``__main__`` (the script that runs them top to bottom and writes the report).
"""

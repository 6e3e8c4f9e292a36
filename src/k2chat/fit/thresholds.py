"""Choosing a threshold: the costs of the two errors (a missed emergency, a wrong refusal) and
the scope threshold taken from the flat middle of the mean cost over repeated cross-validation
(not one draw's arg-min)."""

from __future__ import annotations

import numpy as np

from k2chat.chain.evidence import SCOPE_FEATURES
from k2chat.fit.learners import fit_features

# A missed emergency costs this many false alarms when the emergency threshold is chosen: at
# 1.5 (each rate against the targets of 2 % and 3 %) the held-out misses were all
# indirect suicidal statements, so misses are weighed as the costlier error.
MISS_COST = 3.0


# Measured in issue 21 (session of 2026-12-07), not adopted: the split of the statements keyed
# by each text's hash (so that added statements move no other) with this threshold taken from
# five draws of folds gave 0.08-0.10 on every draw, not 0.293, and on the 2,627 statements of
# blind rounds 1-48 doubled false alarms (2.5 % -> 5.2 %) at the same recall (1.0); the stored
# model's 0.293 stays, and mild or slow signs are read in k2chat.chain.safety (_mild_or_slow).
def emergency_threshold(oof: np.ndarray, labels: list[str]) -> float:
    """The emergency threshold with the lowest cost on out-of-fold predictions (``oof``: the
    classes in sorted order): misses x MISS_COST + false alarms, on the risk 1 - P(none)."""
    risk = 1 - oof[:, sorted(set(labels)).index("none")]
    positive = np.asarray([lab != "none" for lab in labels])
    return float(min(sorted(set(np.round(risk, 4))),
                     key=lambda t: MISS_COST * float((risk[positive] < t).mean())
                     + float((risk[~positive] >= t).mean())))


# A wrongly refused question costs this many wrongly answered ones when the scope threshold
# is chosen: a refusal withholds what the article says; a wrong answer still only quotes it.
# (Tried 1.0 after blind rounds 2-4, which answered 16-32 % of unanswerable questions: the
# held-out set then refused 19 % of answerable ones, 23 errors against 14 at 2.0.)
REFUSAL_COST = 2.0


def scope_cost(p: np.ndarray, y: np.ndarray, t: float) -> float:
    """REFUSAL_COST x answerable refused + unanswerable answered, at threshold ``t``."""
    return REFUSAL_COST * float((p[y] < t).mean()) + float((p[~y] >= t).mean())


# The scope threshold is chosen on THRESHOLD_REPEATS draws of 5-fold
# cross-validation (seeds 0..4): the cost of each threshold averaged over the draws, and the
# middle (median) of the thresholds within THRESHOLD_FLAT of the lowest mean cost. One draw's
# arg-min moved between 0.24 and 0.45 (scope) from refit to refit (issue 21): the cost curve is
# flat there, so its arg-min followed noise; the middle of the flat bottom of the mean does not.
THRESHOLD_REPEATS = 5


THRESHOLD_FLAT = 0.01  # one wrong answer in 100 unanswerable questions


SCOPE_GRID = np.round(np.linspace(0.05, 0.95, 91), 2)


def flat_middle(costs: list[list[float]], grid: np.ndarray) -> tuple[float, list[float]]:
    """The threshold (see THRESHOLD_REPEATS) and, for the report, each draw's own arg-min."""
    mean = np.asarray(costs).mean(axis=0)
    flat = grid[mean <= mean.min() + THRESHOLD_FLAT]
    return float(np.median(flat)), [float(grid[int(np.argmin(c))]) for c in costs]


def stable_threshold(x: np.ndarray, y: np.ndarray) -> tuple[float, list[float]]:
    """The scope threshold (see THRESHOLD_REPEATS) and, for the report, each draw's own."""
    from sklearn.model_selection import StratifiedKFold

    costs = []
    for seed in range(THRESHOLD_REPEATS):
        oof = np.zeros(len(y))
        for tr, te in StratifiedKFold(5, shuffle=True, random_state=seed).split(x, y):
            oof[te] = fit_features(x[tr], y[tr], SCOPE_FEATURES).proba(x[te])
        costs.append([scope_cost(oof, y, float(t)) for t in SCOPE_GRID])
    return flat_middle(costs, SCOPE_GRID)

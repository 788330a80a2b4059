"""The memory-vs-time frontier: the exact sort against a brute-force definition, and the
sample-thinned path for large spaces against the exact sort."""

import numpy as np
import pytest

from tilefabric.planner.cost import PARETO_SAMPLE, _exact_pareto, pareto


def _brute_force(time, memory):
    """Frontier by definition: no earlier point (by memory, then time, then index) is as fast."""
    order = sorted(range(len(time)), key=lambda i: (memory[i], time[i], i))
    out, best = [], np.inf
    for i in order:
        if time[i] < best:
            out.append(i)
            best = time[i]
    return np.array(out, dtype=np.int64)


@pytest.mark.parametrize("seed", range(20))
def test_exact_frontier_matches_the_definition(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 400))
    time = rng.integers(0, 30, n).astype(float)  # ties on both axes
    memory = rng.integers(0, 30, n).astype(float)
    assert np.array_equal(_exact_pareto(time, memory), _brute_force(time, memory))


@pytest.mark.parametrize("seed", range(12))
def test_thinned_frontier_equals_the_exact_one(seed):
    rng = np.random.default_rng(seed)
    n = 4 * PARETO_SAMPLE + int(rng.integers(1, 40000))
    if seed % 2:  # correlated, like real plan spaces: more memory usually buys time
        memory = rng.random(n) * 1e5
        time = 1e9 / (1.0 + memory) * rng.uniform(1.0, 3.0, n)
    else:  # coarse values: many exact ties
        time = rng.integers(0, 60, n).astype(float)
        memory = rng.integers(0, 60, n).astype(float)
    assert np.array_equal(pareto(time, memory), _exact_pareto(time, memory))

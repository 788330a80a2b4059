"""Property tests of the per-op search on convolution windows (rows `oh·stride + kh·dil`):
random small convolutions, depthwise convolutions and max poolings, on small chips and under
tight budgets; every plan the search can return simulates to numpy's numbers (an independent
window reference) and to the planner's predicted cycles. The halo case (an output-row split,
so neighbouring cores hold overlapping input rows) must be exercised."""

from __future__ import annotations

from collections import Counter

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from tests.conv_texts import conv_ref, conv_text, depthwise_ref, depthwise_text, maxpool_ref, maxpool_text, out_size
from tests.test_plan_properties import _args, _report, _settings, check_all_plans, targets, target_names, tightness  # noqa: F401


geometry = st.tuples(st.integers(1, 3), st.integers(1, 2))  # (stride, dilation)


def _fits(h: int, k: int, stride: int, dil: int) -> bool:
    return h >= dil * (k - 1) + 1 and out_size(h, k, stride, dil) >= 1


def test_conv_plans_simulate_as_predicted(targets):
    stats: Counter = Counter()

    @_settings(30)
    @given(n=st.integers(1, 2), c=st.integers(1, 5), f=st.integers(1, 6), h=st.integers(3, 12), w=st.integers(3, 12),
           k=st.sampled_from([1, 2, 3]), geo=geometry, tname=target_names, tight=tightness, data=st.data())
    def prop(n, c, f, h, w, k, geo, tname, tight, data):
        stride, dil = geo
        if not (_fits(h, k, stride, dil) and _fits(w, k, stride, dil)):
            return
        args = _args((n, c, h, w), (f, c, k, k))
        ref, scale = conv_ref(args["arg0"], args["arg1"], stride, dil)
        text = conv_text(n, c, h, w, f, k, k, stride, dil)
        check_all_plans(text, args, ref, scale, targets[tname], tight, data, stats)

    prop()
    print(_report(stats))
    for key in ("frontier_halo", "off_frontier_halo", "frontier_rotation", "frontier_padding", "frontier_split_reduction"):
        assert stats[key] > 0, _report(stats)


def test_depthwise_plans_simulate_as_predicted(targets):
    stats: Counter = Counter()

    @_settings(20)
    @given(n=st.integers(1, 2), c=st.integers(1, 8), h=st.integers(3, 12), w=st.integers(3, 12),
           k=st.sampled_from([2, 3]), geo=geometry, tname=target_names, tight=tightness, data=st.data())
    def prop(n, c, h, w, k, geo, tname, tight, data):
        stride, dil = geo
        if not (_fits(h, k, stride, dil) and _fits(w, k, stride, dil)):
            return
        args = _args((n, c, h, w), (c, k, k))
        ref, scale = depthwise_ref(args["arg0"], args["arg1"], stride, dil)
        text = depthwise_text(n, c, h, w, k, k, stride, dil)
        check_all_plans(text, args, ref, scale, targets[tname], tight, data, stats)

    prop()
    print(_report(stats))
    assert stats["frontier_halo"] > 0, _report(stats)


def test_maxpool_plans_simulate_as_predicted(targets):
    stats: Counter = Counter()

    @_settings(20)
    @given(n=st.integers(1, 2), c=st.integers(1, 6), h=st.integers(2, 12), w=st.integers(2, 12),
           k=st.sampled_from([2, 3]), stride=st.integers(1, 3), tname=target_names, tight=tightness, data=st.data())
    def prop(n, c, h, w, k, stride, tname, tight, data):
        if not (_fits(h, k, stride, 1) and _fits(w, k, stride, 1)):
            return
        args = _args((n, c, h, w))
        ref, scale = maxpool_ref(args["arg0"], k, stride)
        text = maxpool_text(n, c, h, w, k, stride)
        check_all_plans(text, args, ref, scale, targets[tname], tight, data, stats)

    prop()
    print(_report(stats))
    assert stats["frontier_halo"] > 0, _report(stats)

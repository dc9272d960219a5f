"""The matcher scorer on toy sets with known answers, and the rapidfuzz baseline."""

from __future__ import annotations

import pytest

from evaluation.baseline_matcher import (
    HeldOut,
    expected_calibration_error,
    extract_one_baseline,
    score_matcher,
)
from ordex.catalog import Product
from ordex.schema import Candidate


def test_ece_is_the_weighted_gap_between_accuracy_and_confidence_per_bin() -> None:
    # bin 0.9-1.0: confidence 0.95, accuracy 1/2 -> gap 0.45; bin 0.1-0.2: confidence 0.15, accuracy 0 -> 0.15
    assert expected_calibration_error([0.95, 0.95, 0.15, 0.15], [True, False, False, False]) == pytest.approx(0.3)
    assert expected_calibration_error([1.0, 0.0], [True, False]) == pytest.approx(0.0)  # the edges fall in a bin
    assert expected_calibration_error([0.7] * 10, [True] * 7 + [False] * 3) == pytest.approx(0.0)
    assert expected_calibration_error([], []) == 0.0


def test_scores_of_a_toy_matcher() -> None:
    answers = {"a": [Candidate(sku="A", probability=0.9)],  # right, answered
               "b": [Candidate(sku="X", probability=0.8)],  # wrong, answered
               "c": [Candidate(sku="C", probability=0.4)],  # right, abstains
               "d": [],  # nothing: abstains
               "e": [Candidate(sku="E", probability=0.95)]}  # answers a mention that is not in the catalog: wrong
    items = [HeldOut("a", "K1", "A"), HeldOut("b", "K1", "B"), HeldOut("c", None, "C"), HeldOut("d", "K2", "D"),
             HeldOut("e", "K2", None)]
    s = score_matcher(lambda mention, _customer: answers[mention], items, threshold=0.6)
    assert (s.n, s.out_of_catalog, s.answered) == (5, 1, 3)
    assert s.accuracy_answered == pytest.approx(1 / 3, abs=1e-4)
    assert s.abstention == pytest.approx(2 / 5)
    assert s.top1 == pytest.approx(2 / 4)  # a and c of the four in-catalog mentions
    # bins: [0.9, 1] holds 0.9 (right) and 0.95 (wrong): |0.5 - 0.925| x 2/4; 0.8 wrong: 0.8 x 1/4; 0.4 right: 0.6 x 1/4
    assert s.ece == pytest.approx(0.425 * 2 / 4 + 0.8 / 4 + 0.6 / 4, abs=1e-4)


def test_the_baseline_is_extract_one_over_descriptions() -> None:
    products = [Product(sku="TUBE-26", description="Cycle Tube 26 inch Black - Roadking", uom="BOX"),
                Product(sku="BELL-CR", description="Cycle Bell Chrome - Tringo", uom="PCS")]
    match = extract_one_baseline(products)
    (top,) = match("TRINGO BELL", None)
    assert top.sku == "BELL-CR" and 0.0 < top.probability <= 1.0

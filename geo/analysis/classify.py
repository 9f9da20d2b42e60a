"""Classes for choropleth maps, with "no activity" always a class of its own.

A map of partner counts is mostly zeros; classifying the zeros with the rest would
hide the gaps inside the lowest class. :func:`classify` puts zero (and missing) values in
class 0 labelled "None" and classifies the positive values with mapclassify.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

METHODS = ("quantiles", "natural_breaks", "equal_interval")
NONE_LABEL = "None"


def _upper_bounds(pos: np.ndarray, method: str, k: int) -> np.ndarray:
    """Upper bounds of ``k`` classes of the positive values ``pos``.

    mapclassify is imported here, not at module load (it pulls in scipy: ~0.8 s of the
    app's start). Natural breaks are k-means in one dimension, as mapclassify's
    NaturalBreaks, but with a fixed seed: the same data always gets the same legend.
    """
    if method == "natural_breaks":
        from sklearn.cluster import KMeans

        labels = KMeans(n_clusters=k, init="k-means++", n_init=10, random_state=0).fit(
            pos.reshape(-1, 1)).labels_
        return np.sort([pos[labels == c].max() for c in np.unique(labels)])
    import mapclassify

    cls = mapclassify.Quantiles if method == "quantiles" else mapclassify.EqualInterval
    return np.asarray(cls(pos, k=k).bins, dtype="float64")


@dataclass(frozen=True)
class Classes:
    """``classes``: class per value (0 = none, 1..k), aligned with the input;
    ``labels[i]`` names class ``i``; ``upper`` holds each positive class's upper bound."""

    classes: pd.Series
    labels: list[str]
    upper: list[float]
    method: str

    @property
    def k(self) -> int:
        return len(self.labels) - 1


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}"


def classify(values, *, method: str = "quantiles", k: int = 5) -> Classes:
    """Classes of ``values`` (list, array or Series) for a legend of at most ``k`` + 1 classes.

    ``method``: ``quantiles``, ``natural_breaks`` or ``equal_interval``. Fewer classes
    result when there are fewer distinct positive values than ``k``. Labels read
    "1 - 3" for counts ("1.50 - 2.75" otherwise); class 0 is "None".
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)} (got {method!r})")
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a whole number of classes, 1 or more (got {k!r})")
    series = values if isinstance(values, pd.Series) else pd.Series(values)
    v = pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    positive = np.isfinite(v) & (v > 0)
    classes = np.zeros(len(v), dtype="int64")
    labels = [NONE_LABEL]
    upper: list[float] = []
    pos = v[positive]
    distinct = np.unique(pos)
    if distinct.size:
        kk = int(min(k, distinct.size))
        if kk == distinct.size:
            bins = distinct.astype("float64")
        else:
            bins = np.unique(_upper_bounds(pos, method, kk))
        classes[positive] = np.searchsorted(bins, pos, side="left") + 1
        lower = float(distinct.min())
        integral = bool(np.all(np.mod(pos, 1) == 0))
        for b in bins:
            hi = float(b)
            if integral:
                lo_txt = _fmt(np.ceil(lower))
                labels.append(lo_txt if np.ceil(lower) == hi else f"{lo_txt} - {_fmt(hi)}")
                lower = np.floor(hi) + 1
            else:
                labels.append(f"{_fmt(lower)} - {_fmt(hi)}")
                lower = hi
            upper.append(hi)
    return Classes(pd.Series(classes, index=series.index, name="class"), labels, upper, method)

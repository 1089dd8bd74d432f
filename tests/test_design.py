"""Design-based variances (cfeval.scoring.design) against samplics, to 1e-6.

samplics' TaylorEstimator is an independent implementation of the same estimator as R's
``survey`` package (Taylor linearisation, with-replacement PSUs within strata, optional
finite population correction). Its own bundled NHANES II extract (31 strata, 62 PSUs) and
cfeval's sample data with a cluster column are scored both ways.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from cfeval.errors import DataError
from cfeval.scoring.design import design_from_frame, has_design, taylor_variance

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # samplics announces it is archived
    samplics = pytest.importorskip("samplics")
    from samplics.datasets import load_nhanes2


def _samplics_se(y, w, stratum=None, psu=None, fpc=None, domain=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = samplics.TaylorEstimator(samplics.PopParam.mean)
        kw = {"fpc": fpc} if fpc is not None else {}
        if domain is not None:
            kw["domain"] = domain
        est.estimate(y=y, samp_weight=w, stratum=stratum, psu=psu, **kw)
    if domain is not None:  # the estimate for the domain labelled 1
        return float(est.stderror[1]), float(est.degree_of_freedom)
    return float(np.asarray(est.stderror).ravel()[0]), float(est.degree_of_freedom)


def _ours(frame: pd.DataFrame, y: np.ndarray, w: np.ndarray, unit=None, n_units=1):
    unit = np.zeros(len(y), np.int64) if unit is None else unit
    d = design_from_frame(frame, unit, n_units)
    W = np.bincount(unit, weights=w, minlength=n_units)
    ybar = np.bincount(unit, weights=w * y, minlength=n_units) / W
    z = w * (y - ybar[unit]) / W[unit]  # the weighted mean's linearised values
    return np.sqrt(taylor_variance(z, d)), d.df


@pytest.fixture(scope="module")
def nhanes():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df = load_nhanes2()["data"]
    return df.dropna(subset=["highlead"]).reset_index(drop=True)


@pytest.mark.parametrize("var", ["highbp", "highlead", "zinc"])
@pytest.mark.parametrize("layout", ["stratified+clustered", "clustered", "stratified"])
def test_nhanes_standard_errors_match_samplics(nhanes, var, layout):
    df = nhanes.dropna(subset=[var]).reset_index(drop=True)
    y = df[var].to_numpy(float)
    w = df["finalwgt"].to_numpy(float)
    # PSU ids repeat across strata in NHANES (1 and 2 in each): R's nest=TRUE, which
    # cfeval always applies, makes them distinct; samplics needs them spelled out.
    psu = df["stratid"].astype(str) + "/" + df["psuid"].astype(str)
    frame = pd.DataFrame()
    kw = {}
    if "stratified" in layout:
        frame["stratum"] = df["stratid"]
        kw["stratum"] = df["stratid"].to_numpy()
    if "clustered" in layout:
        frame["cluster"] = psu if "stratified" not in layout else df["psuid"]
        kw["psu"] = psu.to_numpy()
    se, df_ours = _ours(frame, y, w)
    ref, ref_df = _samplics_se(y, w, **kw)
    assert se[0] == pytest.approx(ref, abs=1e-6, rel=1e-9)
    if "clustered" in layout:
        assert df_ours[0] == ref_df


def test_nhanes_with_fpc_matches_samplics(nhanes):
    # A made-up population of PSUs per stratum (3 to 9 PSUs, 2 sampled in each): samplics
    # takes the factor 1 − m_h/N_h per stratum, cfeval the population size (R's fpc).
    df = nhanes
    y, w = df["highbp"].to_numpy(float), df["finalwgt"].to_numpy(float)
    pop = {s: 3 + (s % 7) for s in df["stratid"].unique()}
    frame = pd.DataFrame(
        {"stratum": df["stratid"], "cluster": df["psuid"], "fpc": df["stratid"].map(pop)}
    )
    se, _ = _ours(frame, y, w)
    m = df.groupby("stratid")["psuid"].nunique()
    factor = {s: 1 - m[s] / pop[s] for s in pop}
    ref, _ = _samplics_se(
        y,
        w,
        stratum=df["stratid"].to_numpy(),
        psu=(df["stratid"] * 100 + df["psuid"]).to_numpy(),
        fpc=factor,
    )
    assert se[0] == pytest.approx(ref, abs=1e-6, rel=1e-9)
    # the same fpc given as sampling fractions
    frame["fpc"] = df["stratid"].map({s: m[s] / pop[s] for s in pop})
    assert _ours(frame, y, w)[0][0] == pytest.approx(ref, abs=1e-6, rel=1e-9)
    # and without it the variance is larger by exactly the missing factors
    no_fpc, _ = _ours(frame.drop(columns="fpc"), y, w)
    assert no_fpc[0] > se[0]


def test_fpc_must_be_one_value_per_stratum_and_a_possible_population():
    frame = pd.DataFrame({"stratum": ["a", "a", "b", "b"], "fpc": [10, 11, 5, 5]})
    with pytest.raises(DataError, match="one value per stratum"):
        design_from_frame(frame, np.zeros(4, np.int64), 1)
    frame = pd.DataFrame({"cluster": ["x", "y", "z"], "fpc": [2, 2, 2]})
    with pytest.raises(DataError, match="smaller than"):
        design_from_frame(frame, np.zeros(3, np.int64), 1)
    frame = pd.DataFrame({"cluster": ["x", "y", "z"], "fpc": [2, -1, 2]})
    with pytest.raises(DataError, match="positive"):
        design_from_frame(frame, np.zeros(3, np.int64), 1)


def test_labels_nest_in_communities_and_lonely_psus_contribute_nothing():
    # Two communities reuse cluster "k1"; community 1 has one PSU only (lonely).
    frame = pd.DataFrame({"cluster": ["k1", "k1", "k2", "k1", "k1"]})
    unit = np.array([0, 0, 0, 1, 1])
    d = design_from_frame(frame, unit, 2)
    assert d.psu.tolist() == [0, 0, 1, 2, 2]
    assert d.lonely.tolist() == [False, True]
    assert d.df[0] == 1 and np.isnan(d.df[1])
    v = taylor_variance(np.array([0.1, 0.2, -0.3, 0.5, -0.5]), d)
    # community 0: Z = (0.3, -0.3), mean 0, 2/(2-1) × 0.18 = 0.36; community 1: nothing
    assert v.tolist() == pytest.approx([0.36, 0.0])
    assert has_design(frame) and not has_design(pd.DataFrame({"stratum": [None, None]}))


def test_sample_data_with_a_cluster_column_matches_samplics():
    # cfeval's sample survey, children clustered in "school classes" of 4 per community:
    # every community's child mean of one item, SE by cfeval's design code and by samplics.
    from cfeval._paths import shipped_dir

    s = pd.read_csv(shipped_dir("sample_data") / "chengdu" / "survey.csv")
    s = s[(s["respondent"] == "child") & s["c_voice_listen"].between(1, 5)].reset_index(drop=True)
    s["stratum"] = s["gender"]
    s["unit"] = s["community_id"] + "/" + s["wave"].astype(str)
    s["cluster"] = s.groupby("unit").cumcount() // 4
    unit, ids = pd.factorize(s["unit"], sort=True)
    y, w = s["c_voice_listen"].to_numpy(float), s["weight"].to_numpy(float)
    checked = 0
    for cols in (["cluster"], ["cluster", "stratum"]):
        se, _ = _ours(s[cols], y, w, unit.astype(np.int64), len(ids))
        for u, cid in enumerate(ids):
            sub = s[s["unit"] == cid]
            kw = {"psu": sub["cluster"].to_numpy()}
            if "stratum" in cols:
                kw["psu"] = (sub["stratum"] + "/" + sub["cluster"].astype(str)).to_numpy()
                kw["stratum"] = sub["stratum"].to_numpy()
                if sub.groupby("stratum")["cluster"].nunique().min() < 2:
                    continue  # a lonely PSU: samplics refuses, cfeval takes it as certain
            yy, ww = sub["c_voice_listen"].to_numpy(float), sub["weight"].to_numpy(float)
            ref, _ = _samplics_se(yy, ww, **kw)
            checked += 1
            assert se[u] == pytest.approx(ref, abs=1e-6, rel=1e-9), (cid, cols)
    assert checked > 40  # every unit clustered, most also stratified


def test_engine_with_cluster_and_stratum_columns_matches_samplics():
    # The Chengdu sample scored by cfeval.score with households ("cluster", pairs of
    # consecutive respondents) within two strata per community; the children's
    # children_voice mean in by_group against samplics on the same respondent values.
    from scipy.stats import t

    import cfeval
    from cfeval._paths import shipped_dir
    from cfeval.data.load import load_data
    from cfeval.framework.rules.scale_mean import respondent_mean
    from cfeval.scoring.rules import rescale_items

    folder = shipped_dir("sample_data") / "chengdu"
    fw = cfeval.load_framework("chengdu-community")
    ds = load_data(fw, survey=folder / "survey.csv", audit=folder / "audit.csv")
    s = ds.survey
    s = s[s["respondent"] == "child"].reset_index(drop=True)
    s["cluster"] = (s.groupby(["community_id", "wave"]).cumcount() // 2).astype(str)
    s["stratum"] = np.where(s["cluster"].astype(int) % 2 == 0, "a", "b")
    ds.survey = s
    r = cfeval.score(fw, ds)

    ind = fw.node("children_voice")
    items = ind.items_for("child")
    x = np.column_stack([s[it.id].to_numpy(float) for it in items])
    scales = [fw.scales[it.scale] for it in items]
    rescale_items(
        x,
        np.array([sc.low for sc in scales], float),
        np.array([sc.high for sc in scales], float),
        np.array([it.reverse for it in items]),
    )
    s["_y"] = respondent_mean(x, ind.valid_items_needed("child"))
    bg = r.by_group.query("node_id == 'children_voice' and respondent == 'child'")
    bg = bg.set_index(["community_id", "wave"])
    checked = 0
    for (cid, wave), sub in s.groupby(["community_id", "wave"]):
        # Children without a usable answer are outside the estimate's domain but their
        # households still count as PSUs (domain estimation, as R's svyby and samplics).
        if sub.groupby("stratum")["cluster"].nunique().min() < 2:
            continue
        got = bg.loc[(cid, wave)]
        if not 0 < got["ci_low"] <= got["ci_high"] < 100:
            continue
        se = (got["ci_high"] - got["ci_low"]) / (2 * t.ppf(0.975, got["df"])) / 100
        ref, ref_df = _samplics_se(
            sub["_y"].fillna(1).to_numpy(),  # (any value: outside the domain)
            sub["weight"].to_numpy(),
            stratum=sub["stratum"].to_numpy(),
            psu=(sub["stratum"] + "/" + sub["cluster"]).to_numpy(),
            domain=sub["_y"].notna().astype(int).to_numpy(),
        )
        assert se == pytest.approx(ref, abs=1e-6, rel=1e-6), (cid, wave)
        assert got["df"] == ref_df  # #PSUs − #strata, as R's degf
        checked += 1
    assert checked >= 20


def test_design_columns_are_read_from_files_and_used(tmp_path):
    # stratum / cluster / fpc are standard survey columns: read (text, text, number),
    # passed to the engine, and they switch the intervals to design-based ones.
    import cfeval
    from cfeval._paths import shipped_dir
    from cfeval.data.load import load_data

    folder = shipped_dir("sample_data") / "chengdu"
    s = pd.read_csv(folder / "survey.csv")
    s["cluster"] = s.groupby(["community_id", "wave"]).cumcount() // 3
    s["stratum"] = "all"
    s["fpc"] = "10000"
    s.loc[3, "fpc"] = "lots"  # not a number: reported, left blank
    path = tmp_path / "survey.csv"
    s.to_csv(path, index=False)
    fw = cfeval.load_framework("chengdu-community")
    ds = load_data(fw, survey=path, audit=folder / "audit.csv")
    assert {"stratum", "cluster", "fpc"} <= set(ds.survey.columns)
    assert ds.survey["fpc"].dtype == np.float64
    assert pd.api.types.is_string_dtype(ds.survey["cluster"])
    bad = [i for i in ds.report.issues if i.column == "fpc"]
    assert [(i.row, i.code) for i in bad] == [(5, "not-a-number")]
    unknown = [i for i in ds.report.issues if i.code == "unknown-column"]
    assert not any("cluster" in str(i.value) for i in unknown)
    # the blank fpc cell is refused by the design (fpc must be on every row)
    with pytest.raises(DataError, match="fpc must be a positive number"):
        cfeval.score(fw, ds)
    ds.survey = ds.survey.drop(columns="fpc")
    r = cfeval.score(fw, ds)
    plain = cfeval.score(
        fw, load_data(fw, survey=folder / "survey.csv", audit=folder / "audit.csv")
    )
    a = r.scores.query("kind == 'total'")["df"].to_numpy()
    b = plain.scores.query("kind == 'total'")["df"].to_numpy()
    assert not np.allclose(a, b)  # design df (#PSUs − #strata), not Bell–McCaffrey

"""The web workbench through Starlette's TestClient: every page, the whole job on the
Chengdu sample, and its safety (CSRF, sessions, sizes, content types, binding, errors)."""

from __future__ import annotations

import io
import re
import subprocess
import threading
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("starlette")
from starlette.testclient import TestClient  # noqa: E402

from cfeval._paths import shipped_dir  # noqa: E402
from cfeval.web.app import LOCAL_NAMES, create_app  # noqa: E402
from cfeval.web.security import Limits  # noqa: E402

SAMPLE = shipped_dir("sample_data") / "chengdu"
BROKEN = Path(__file__).parent / "fixtures" / "frameworks" / "broken"
HOSTS = LOCAL_NAMES | {"testserver"}


def csrf(client: TestClient, path: str = "/") -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text).group(1)


def upload_sample(client: TestClient, survey: Path = SAMPLE / "survey.csv", audit=None):
    token = csrf(client)
    client.post("/frameworks/use", data={"csrf": token, "fid": "chengdu-community"})
    files = {"survey_1": ("问卷 导出.csv", survey.read_bytes(), "text/csv")}
    audit = SAMPLE / "audit.csv" if audit is None else audit
    files["audit"] = ("核查表.csv", audit.read_bytes(), "text/csv")
    return client.post("/data/upload", data={"csrf": token}, files=files)


@pytest.fixture
def app(tmp_path):
    return create_app(allowed_hosts=HOSTS, temp_root=tmp_path)


@pytest.fixture
def client(app):
    with TestClient(app) as c:
        yield c


@pytest.fixture
def scored(client):
    assert upload_sample(client).status_code == 200
    assert client.post("/scores/run", data={"csrf": csrf(client)}).status_code == 200
    return client


def _expected(lang: str = "zh"):
    import cfeval

    fw = cfeval.load_framework("chengdu-community")
    data = cfeval.load_data(fw, survey=SAMPLE / "survey.csv", audit=SAMPLE / "audit.csv", lang=lang)
    return fw, data, cfeval.score(fw, data)


# --------------------------------------------------------------------------- pages


@pytest.mark.parametrize("path", ["/", "/frameworks", "/kit", "/data", "/scores", "/reports"])
def test_every_page_is_chinese_first_and_english_on_request(client, path):
    zh = client.get(path)
    assert zh.status_code == 200
    assert '<html lang="zh-CN">' in zh.text and "儿童友好社区评估工作台" in zh.text
    back = client.get(f"/lang?to=en&next={path}", follow_redirects=False)
    assert back.status_code == 303 and back.headers["location"] == path
    en = client.get(path)
    assert '<html lang="en">' in en.text and "Child-friendly community workbench" in en.text
    assert "儿童友好社区评估工作台" not in en.text


def test_the_language_switch_never_sends_people_to_another_site(client):
    for target in ("https://evil.example/", "//evil.example/x", "/\\evil.example"):
        r = client.get("/lang", params={"to": "en", "next": target}, follow_redirects=False)
        assert r.headers["location"] == "/"


def test_a_shipped_framework_is_a_tree_with_points_methods_and_evidence(client):
    import cfeval

    fw = cfeval.load_framework("chengdu-community")
    html = client.get("/frameworks/chengdu-community").text
    for ind in fw.indicators():
        assert f">{ind.label['zh']}<" in html
        assert f'<span class="id">{ind.id}</span>' in html
    assert "计分制，满分 100" in html and "<details open>" in html
    assert client.get("/frameworks/..%2F..%2Fetc%2Fpasswd").status_code == 404


def test_an_uploaded_framework_lists_every_problem_with_its_line(client):
    import cfeval

    path = BROKEN / "duplicate_id.yaml"
    with pytest.raises(cfeval.FrameworkError) as err:
        cfeval.check_framework(path)
    r = client.post(
        "/frameworks/upload",
        data={"csrf": csrf(client)},
        files={"framework": ("我的框架.yaml", path.read_bytes(), "application/x-yaml")},
    )
    assert r.status_code == 400
    body = r.text
    assert "我的框架.yaml：评价框架未通过检查" in body
    rows = re.findall(r'<tr><td class="num">(\d*)</td><td class="num">(\d*)</td>', body)
    assert rows == [(str(p.line or ""), str(p.column or "")) for p in err.value.problems]
    assert str(path.parent) not in body and "Traceback" not in body


def test_a_valid_uploaded_framework_is_used(client, full_yaml):
    r = client.post(
        "/frameworks/upload",
        data={"csrf": csrf(client)},
        files={"framework": ("full.yaml", full_yaml.read_bytes(), "text/plain")},
    )
    assert r.status_code == 200 and r.url.path == "/frameworks/mine"
    assert "fixture-full" in r.text


# --------------------------------------------------------------------------- the job


def test_the_data_report_lists_what_check_finds_with_the_users_file_names(client):
    r = upload_sample(client)
    assert r.status_code == 200 and r.url.path == "/data"
    _, data, _ = _expected()
    issues = data.report.issues
    rows = re.findall(
        r'<tr data-severity="(\w+)">\s*<td>([^<]*)</td><td class="num">(\d*)</td>'
        r"<td>(?:<code>([^<]*)</code>)?</td>",
        r.text,
    )
    assert len(rows) == len(issues)
    assert sorted((sev, row, col) for sev, _, row, col in rows) == sorted(
        (i.severity, str(i.row or ""), i.column or "") for i in issues
    )
    files = {f for _, f, _, _ in rows}
    assert files <= {"问卷 导出.csv", "核查表.csv"}
    assert "out-of-range" in r.text and "unknown-community" in r.text
    assert "/tmp" not in r.text and "survey-" not in r.text


def test_a_csv_read_in_ranges_reports_as_read_in_one_piece(client, monkeypatch, tmp_path):
    """The sample survey read the fast way, cut into ranges parsed side by side, with a
    text where a later range's numbers are: the page lists what the careful read finds."""
    from cfeval.data import csvs

    monkeypatch.setattr(csvs, "STREAM_CSV_BYTES", 0)
    monkeypatch.setattr(csvs, "SPLIT_CSV_BYTES", 0)
    monkeypatch.setenv("CFEVAL_THREADS", "2")
    lines = (SAMPLE / "survey.csv").read_text(encoding="utf-8").splitlines()
    head = lines[0].split(",")
    cells = lines[-2].split(",")
    cells[head.index("c_voice_say")] = "abc"  # a number column's text, in the last range
    lines[-2] = ",".join(cells)
    survey = tmp_path / "survey.csv"
    survey.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert len(csvs._cuts(survey, 2)) == 3
    r = upload_sample(client, survey=survey)
    assert r.status_code == 200 and r.url.path == "/data"
    import cfeval

    fw = cfeval.load_framework("chengdu-community")
    monkeypatch.setattr(csvs, "STREAM_CSV_BYTES", 1 << 40)  # the careful, in-memory read
    issues = cfeval.check(fw, survey=survey, audit=SAMPLE / "audit.csv", lang="zh").issues
    rows = re.findall(
        r'<tr data-severity="(\w+)">\s*<td>[^<]*</td><td class="num">(\d*)</td>', r.text
    )
    assert sorted(rows) == sorted((i.severity, str(i.row or "")) for i in issues)
    assert str(len(lines) - 1) in {row for _, row in rows}  # the text's own sheet row
    assert "abc" in r.text


def test_the_data_report_downloads_as_a_workbook(client):
    import openpyxl

    upload_sample(client)
    r = client.get("/data/report.xlsx")
    assert r.status_code == 200 and r.content[:2] == b"PK"
    ws = openpyxl.load_workbook(io.BytesIO(r.content)).active
    _, data, _ = _expected()
    assert ws.max_row == 1 + len(data.report.issues)
    assert [c.value for c in ws[1]][:3] == ["文件", "行", "列名"]


def test_scores_match_the_library(scored):
    _, _, result = _expected()
    html = scored.get("/scores").text
    for row in result.communities.itertuples():
        assert f'<div class="sub">{row.community_id}</div>' in html
    shown = re.findall(r'data-value="([0-9.]+)">([0-9.]+)</td>', html)
    assert len(shown) == len(result.communities)
    expected = sorted(f"{s:.1f}" for s in result.communities["score"])
    assert sorted(text for _, text in shown) == expected


def test_a_community_opens_into_its_dimensions_and_indicators(scored):
    fw, _, result = _expected()
    html = scored.get("/scores/community", params={"id": "CD-CH-001", "wave": "1"}).text
    rows = result.community("CD-CH-001", "1")
    assert html.count('<td class="indent">') == len(rows)
    for dim in fw.dimensions:
        assert f'<td class="indent">{dim.label["zh"]}</td>' in html
    assert scored.get("/scores/community", params={"id": "nope", "wave": "1"}).status_code == 400


def test_scores_download_as_the_results_own_files(scored, tmp_path):
    _, _, result = _expected()
    csv = scored.get("/scores/scores.csv")
    assert csv.status_code == 200
    assert csv.content == result.write(tmp_path / "s.csv").read_bytes()
    xlsx = scored.get("/scores/scores.xlsx")
    assert xlsx.content[:2] == b"PK" and "attachment" in xlsx.headers["content-disposition"]
    assert scored.get("/scores/scores.exe").status_code == 404


def test_a_report_pdf_names_the_community_on_its_first_page(scored, tmp_path):
    _, _, result = _expected()
    first = result.communities.iloc[0]
    r = scored.post("/reports/one", data={"csrf": csrf(scored), "community": "0", "lang": "zh"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(r.content)
    text = subprocess.run(
        ["pdftotext", "-l", "1", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert first["name"] in text
    r = scored.post(
        "/reports/one",
        data={"csrf": csrf(scored), "community": "0", "lang": "zh", "edition": "children"},
    )
    assert r.status_code == 200 and r.content[:5] == b"%PDF-"
    assert "children" in r.headers["content-disposition"]


def test_the_fieldwork_monitor_shows_every_community(scored):
    _, _, result = _expected()
    html = scored.get("/kit").text
    assert html.count("<tr>") - 1 == len(result.communities)
    r = scored.get("/kit/progress.xlsx")
    assert r.status_code == 200 and r.content[:2] == b"PK"


def _small_sample(tmp_path: Path, ids: list[str]) -> tuple[Path, Path]:
    import pandas as pd

    survey = pd.read_csv(SAMPLE / "survey.csv", dtype=str)
    audit = pd.read_csv(SAMPLE / "audit.csv", dtype=str)
    paths = tmp_path / "s.csv", tmp_path / "a.csv"
    survey[survey["community_id"].isin(ids)].to_csv(paths[0], index=False)
    audit[audit["community_id"].isin(ids)].to_csv(paths[1], index=False)
    return paths


def _wait(client, job_id: str, timeout: float = 240) -> dict:
    import time

    end = time.monotonic() + timeout
    while time.monotonic() < end:
        state = client.get(f"/jobs/{job_id}").json()
        if state["status"] != "running":
            return state
        time.sleep(0.2)
    raise AssertionError("job did not finish")


def _job_id(html: str) -> str:
    return re.search(r'data-job-url="/jobs/([^"]+)"', html).group(1)


def test_a_district_batch_ends_in_a_zip_of_every_report(tmp_path):
    # Two workers: render_batch's own process pool runs inside the batch process.
    app = create_app(allowed_hosts=HOSTS, temp_root=tmp_path, batch_workers=2)
    ids = ["CD-JJ-001", "CD-JJ-002", "CD-JJ-003"]
    survey, audit = _small_sample(tmp_path, ids)
    with TestClient(app) as client:
        upload_sample(client, survey, audit)
        client.post("/scores/run", data={"csrf": csrf(client)})
        r = client.post("/reports/batch", data={"csrf": csrf(client, "/reports"), "lang": "en"})
        job = _job_id(r.text)
        assert _wait(client, job) == {
            "status": "done", "done": 3, "total": 3, "failed": 0,
            "seconds": _wait(client, job)["seconds"],
        }  # fmt: skip
        z = client.get(f"/jobs/{job}/download")
        names = sorted(zipfile.ZipFile(io.BytesIO(z.content)).namelist())
        assert names == [f"{cid}_en.pdf" for cid in ids]


def test_a_cancelled_batch_stops_and_leaves_no_zip(scored):
    r = scored.post("/reports/batch", data={"csrf": csrf(scored, "/reports"), "lang": "zh"})
    job = _job_id(r.text)
    scored.post(f"/jobs/{job}/cancel", data={"csrf": csrf(scored, "/reports")})
    state = _wait(scored, job)
    assert state["status"] == "cancelled" and state["done"] < state["total"]
    assert scored.get(f"/jobs/{job}/download").status_code == 404
    assert "已取消" in scored.get("/reports").text


# --------------------------------------------------------------------------- safety


def test_every_response_carries_the_security_headers(client):
    for r in (client.get("/"), client.get("/nope"), client.get("/static/app.css")):
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert r.headers["x-content-type-options"] == "nosniff"


def test_pages_have_no_inline_script_or_style(scored):
    for path in ("/", "/frameworks/chengdu-community", "/data", "/scores", "/reports", "/kit"):
        html = scored.get(path).text
        assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []
        assert " style=" not in html and "<style" not in html
        assert not re.search(r"<[^>]+\son[a-z]+=", html)  # no inline event handlers


def test_a_post_without_the_sessions_csrf_token_is_refused(client):
    for token in (None, "forged"):
        data = {"fid": "chengdu-community"} | ({"csrf": token} if token else {})
        r = client.post("/frameworks/use", data=data)
        assert r.status_code == 403 and "此表单已过期" in r.text
    other = TestClient(client.app)
    r = other.post("/frameworks/use", data={"csrf": csrf(client), "fid": "chengdu-community"})
    assert r.status_code == 403


def test_one_session_cannot_reach_another_sessions_files_or_jobs(scored, tmp_path):
    r = scored.post("/reports/batch", data={"csrf": csrf(scored, "/reports"), "lang": "zh"})
    job = _job_id(r.text)
    stranger = TestClient(scored.app)
    assert stranger.get(f"/jobs/{job}").status_code == 404
    assert stranger.post(f"/jobs/{job}/cancel", data={"csrf": csrf(stranger)}).status_code == 404
    assert stranger.get(f"/jobs/{job}/download").status_code == 404
    assert "CD-CH-001" not in stranger.get("/scores").text
    assert stranger.get("/scores/scores.csv", follow_redirects=False).status_code == 303
    assert stranger.get("/data/report.xlsx", follow_redirects=False).status_code == 303
    scored.post(f"/jobs/{job}/cancel", data={"csrf": csrf(scored, "/reports")})
    _wait(scored, job)


def test_two_sessions_score_at_the_same_time_each_with_its_own_data(client, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = _small_sample(tmp_path / "a", ["CD-JJ-001"])
    b = _small_sample(tmp_path / "b", ["CD-JJ-002"])
    other = TestClient(client.app)
    outcome = {}

    def job(c, files, key):
        upload_sample(c, *files)
        c.post("/scores/run", data={"csrf": csrf(c)})
        outcome[key] = c.get("/scores").text

    threads = [
        threading.Thread(target=job, args=(client, a, "a")),
        threading.Thread(target=job, args=(other, b, "b")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(240)
    assert "CD-JJ-001" in outcome["a"] and "CD-JJ-002" not in outcome["a"]
    assert "CD-JJ-002" in outcome["b"] and "CD-JJ-001" not in outcome["b"]


def test_an_oversized_upload_is_refused_in_the_users_language(tmp_path):
    app = create_app(allowed_hosts=HOSTS, temp_root=tmp_path, limits=Limits(max_bytes=20_000))
    with TestClient(app) as c:
        token = csrf(c)
        c.post("/frameworks/use", data={"csrf": token, "fid": "chengdu-community"})
        big = (SAMPLE / "survey.csv").read_bytes()
        r = c.post("/data/upload", data={"csrf": token}, files={"survey_1": ("s.csv", big)})
        assert r.status_code == 413 and "上传的文件太大" in r.text and "Traceback" not in r.text
        c.get("/lang?to=en")
        r = c.post("/data/upload", data={"csrf": token}, files={"survey_1": ("s.csv", big)})
        assert r.status_code == 413 and "The upload is too large" in r.text


def test_a_file_that_is_not_what_it_claims_is_refused_by_content(client):
    token = csrf(client)
    client.post("/frameworks/use", data={"csrf": token, "fid": "chengdu-community"})
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    r = client.post("/data/upload", data={"csrf": token}, files={"survey_1": ("s.csv", png)})
    assert r.status_code == 400 and "s.csv：这不是问卷文件" in r.text
    zip_bytes = io.BytesIO()
    with zipfile.ZipFile(zip_bytes, "w") as zf:
        zf.writestr("evil.txt", "x")
    r = client.post(
        "/data/upload", data={"csrf": token}, files={"audit": ("a.xlsx", zip_bytes.getvalue())}
    )
    assert r.status_code == 400 and "这不是核查表文件" in r.text


def test_a_users_file_name_never_becomes_a_path(app, client):
    token = csrf(client)
    client.post("/frameworks/use", data={"csrf": token, "fid": "chengdu-community"})
    body = (SAMPLE / "audit.csv").read_bytes()
    r = client.post(
        "/data/upload", data={"csrf": token}, files={"audit": ("../../../escape.csv", body)}
    )
    assert r.status_code == 200 and "escape.csv" in r.text
    root = app.state.store.root
    assert not list(root.parent.rglob("escape.csv"))
    saved = [p.name for p in root.rglob("*.csv")]
    assert saved and all(re.fullmatch(r"audit-\d+\.csv", n) for n in saved)


def test_replaced_and_refused_uploads_leave_no_files(app, client):
    def files():
        return sorted(p.name for p in app.state.store.root.rglob("*") if p.is_file())

    upload_sample(client)
    first = files()
    assert len(first) == 2
    upload_sample(client)
    assert len(files()) == 2 and set(files()).isdisjoint(first)
    token = csrf(client)
    good = (SAMPLE / "survey.csv").read_bytes()
    r = client.post(
        "/data/upload",
        data={"csrf": token},
        files={"survey_1": ("ok.csv", good), "survey_2": ("bad.csv", b"\x89PNG\x00\x00")},
    )
    assert r.status_code == 400 and len(files()) == 2
    for _ in range(2):
        client.get("/scores/scores.csv")
        client.get("/data/report.xlsx")
    assert len(files()) == 2  # downloads are written, sent and removed


def test_errors_are_pages_in_both_languages_never_tracebacks(client, monkeypatch):
    from cfeval.web import scores

    r = client.get("/nope")
    assert r.status_code == 404 and "找不到此页面" in r.text
    upload_sample(client)

    def bug(ws):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(scores, "_score", bug)
    r = client.post("/scores/run", data={"csrf": csrf(client)})
    assert r.status_code == 500 and "出了点问题" in r.text
    assert "Traceback" not in r.text and "secret internals" not in r.text
    client.get("/lang?to=en")
    r = client.post("/scores/run", data={"csrf": csrf(client)})
    assert r.status_code == 500 and "Something went wrong" in r.text
    r = client.get("/nope")
    assert r.status_code == 404 and "Page not found" in r.text


def test_a_foreign_host_header_is_refused(client):
    r = client.get("/", headers={"host": "evil.example"})
    assert r.status_code == 400


def test_expired_workspaces_are_removed(tmp_path):
    app = create_app(allowed_hosts=HOSTS, temp_root=tmp_path, limits=Limits(session_seconds=0))
    with TestClient(app) as c:
        upload_sample(c)
        store = app.state.store
        folders = list(store.root.iterdir())
        assert folders
        assert store.sweep(force=True) >= 1
        assert not any(f.exists() for f in folders)
    assert not store.root.exists()


def test_with_a_password_every_page_asks_for_it(tmp_path):
    app = create_app(password="correct horse", allowed_hosts=HOSTS, temp_root=tmp_path)
    with TestClient(app) as c:
        r = c.get("/scores", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/login"
        token = csrf(c, "/login")
        r = c.post("/login", data={"csrf": token, "password": "wrong one"})
        assert r.status_code == 403 and "密码不正确" in r.text
        r = c.post("/login", data={"csrf": token, "password": "correct horse"})
        assert r.status_code == 200 and "评价框架" in c.get("/").text
    assert b"correct horse" not in repr(app.state.access).encode()


def test_wrong_passwords_from_one_address_are_throttled(tmp_path):
    from cfeval.web.app import MAX_FAILURES

    app = create_app(password="correct horse", allowed_hosts=HOSTS, temp_root=tmp_path)
    with TestClient(app) as c:
        token = csrf(c, "/login")
        for _ in range(MAX_FAILURES):
            assert c.post("/login", data={"csrf": token, "password": "guess"}).status_code == 403
        r = c.post("/login", data={"csrf": token, "password": "correct horse"})
        assert r.status_code == 429 and "输错密码次数过多" in r.text
        assert c.get("/scores", follow_redirects=False).headers["location"] == "/login"


def test_a_body_without_a_length_is_cut_off_at_the_limit(tmp_path):
    app = create_app(allowed_hosts=HOSTS, temp_root=tmp_path, limits=Limits(max_bytes=10_000))
    with TestClient(app) as c:
        token = csrf(c)

        def body():
            yield b'--x\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n'
            yield token.encode() + b"\r\n--x\r\n"
            yield b'Content-Disposition: form-data; name="survey_1"; filename="s.csv"\r\n\r\n'
            for _ in range(50):
                yield b"a,b\n" * 100

        r = c.post(
            "/data/upload",
            content=body(),
            headers={"content-type": "multipart/form-data; boundary=x"},
        )
        assert r.status_code == 413 and "上传的文件太大" in r.text


def test_a_non_local_bind_without_a_password_is_refused():
    from cfeval.errors import UsageError
    from cfeval.web.security import check_bind

    check_bind("127.0.0.1", None)
    check_bind("::1", None)
    check_bind("0.0.0.0", "long enough")
    for host in ("0.0.0.0", "192.168.1.20", "::"):
        with pytest.raises(UsageError, match="without an access password"):
            check_bind(host, None)
    with pytest.raises(UsageError, match="at least 8"):
        check_bind("0.0.0.0", "short")


def test_the_serve_command_refuses_a_lan_bind_without_a_password(monkeypatch):
    import sys

    monkeypatch.delenv("CFEVAL_WEB_PASSWORD", raising=False)
    r = subprocess.run(
        [sys.executable, "-m", "cfeval", "--lang", "zh", "serve", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in __import__("os").environ.items() if k != "CFEVAL_WEB_PASSWORD"},
    )
    assert r.returncode == 2
    assert "拒绝在 0.0.0.0 上无密码提供服务" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"PAR1" + b"\x00" * 10 + b"PAR1", "parquet"),
        ("社区,问题\nA,1\n".encode("gb18030"), "csv"),
        ("\ufeffid,x\n1,2\n".encode(), "csv"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", None),
        (b"", None),
        (b"MZ\x90\x00\x03\x00\x00\x00", None),
    ],
)
def test_file_types_are_decided_by_content(data, kind):
    from cfeval.web.security import sniff

    assert sniff(data) == kind


def test_an_xlsx_is_recognised_and_a_plain_zip_is_not():
    from cfeval.web.security import sniff

    assert sniff((SAMPLE / "audit.xlsx").read_bytes()) == "xlsx"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<x/>")
    assert sniff(buf.getvalue()) is None


def test_the_access_password_is_kept_hashed_and_compared_in_constant_time():
    from cfeval.web.security import Access

    access = Access.from_password("correct horse")
    assert access.accepts("correct horse") and not access.accepts("correct hors")
    assert b"correct horse" not in access.digest + access.salt
    assert Access.from_password("correct horse").digest != access.digest  # salted


def test_every_word_of_the_pages_is_in_chinese():
    """Message ids of the web pages and code (extracted) all have a Chinese translation."""
    from babel.messages.extract import extract_from_dir

    from cfeval.i18n import words
    from cfeval.web.render import NAV, TEMPLATES

    zh = words("zh")
    wanted = {label for _, label in NAV}
    plurals = set()
    keywords = {"w": None, "N_": None, "n": (1, 2), "Msg": None}
    web = Path(TEMPLATES).parent
    for *_, message, _, _ in extract_from_dir(web, keywords=keywords):
        if isinstance(message, str):
            wanted.add(message)
        else:
            plurals.add(tuple(message[:2]))
    for template in Path(TEMPLATES).glob("*.j2"):
        text = template.read_text(encoding="utf-8")
        plurals |= set(re.findall(r'w\.n\(\s*"((?:[^"\\]|\\.)*)",\s*"((?:[^"\\]|\\.)*)"', text))
        wanted |= set(re.findall(r'(?<![\w.])w\(\s*"((?:[^"\\]|\\.)*)"', text))
        wanted |= set(re.findall(r"(?<![\w.])w\(\s*'((?:[^'\\]|\\.)*)'", text))
    untranslated = sorted(m for m in wanted if zh(m) == m)
    untranslated += sorted(one for one, many in plurals if zh._t.ngettext(one, many, 1) == one)
    assert not untranslated, "add to locale/zh/LC_MESSAGES/web.po:\n" + "\n".join(untranslated)


def _damaged_parquet(tmp_path: Path) -> bytes:
    import pandas as pd
    import pyarrow.parquet as pq

    frame = pd.read_csv(SAMPLE / "survey.csv", dtype=str, keep_default_na=False)
    good = tmp_path / "good.parquet"
    frame.to_parquet(good, index=False, compression=None)
    raw = bytearray(good.read_bytes())
    at = pq.ParquetFile(good).metadata.row_group(0).column(frame.columns.get_loc("age"))
    start = at.data_page_offset + 40
    raw[start : start + 200] = bytes(b ^ 0xFF for b in raw[start : start + 200])
    return bytes(raw)


@pytest.mark.parametrize("case", ["damaged parquet", "same content twice"])
def test_a_broken_upload_is_a_calm_page_with_the_users_file_names(client, tmp_path, case):
    """The same broken inputs as the command line's (tests/test_hostile_files.py): a
    message naming the files as the user named them, no traceback, the data unchanged."""
    token = csrf(client)
    client.post("/frameworks/use", data={"csrf": token, "fid": "chengdu-community"})
    survey = (SAMPLE / "survey.csv").read_bytes()
    if case == "damaged parquet":
        files = {
            "survey_1": ("问卷.parquet", _damaged_parquet(tmp_path), "application/octet-stream")
        }
        expected = ["问卷.parquet", "Parquet"]
    else:
        files = {
            "survey_1": ("问卷.csv", survey, "text/csv"),
            "survey_2": ("问卷 副本.csv", survey, "text/csv"),
        }
        expected = ["问卷 副本.csv", "问卷.csv", "重复给出"]
    files["audit"] = ("核查表.csv", (SAMPLE / "audit.csv").read_bytes(), "text/csv")
    r = client.post("/data/upload", data={"csrf": token}, files=files)
    assert r.status_code == 400 and "Traceback" not in r.text
    for text in expected:
        assert text in r.text, text
    assert "survey-" not in r.text  # no server-made file name
    r = client.post("/scores/run", data={"csrf": csrf(client)})
    assert r.status_code == 400 and "Traceback" not in r.text  # nothing was taken in

"""Benchmarks: ratios measured in the same run (issues #3 and #4; benchmarks/README.md says what each row means).

    .venv/bin/python benchmarks/run.py [--n 200] [--quick] [--profile]

1. generate: N prefilled workbooks with ``generate_bytes`` (template load + data validation + layout + rules +
   xlsxwriter) against a baseline that drives xlsxwriter alone to write the same workbooks. The baseline's
   cell list (values, formats, merges, widths, heights, validations, defined names, protection, the hidden
   list sheet and the very-hidden identity sheet) is derived from the layout ONCE, outside the timed region,
   so the baseline costs only the xlsxwriter calls. Before timing, the baseline's output is compared part by
   part with ours: the comparison is only honest while they are the same workbook. Target: <= 1.5x.
2. check: ``check_bytes(path.read_bytes(), name)`` against a bare ``openpyxl.load_workbook(path)`` of the same
   file, both from disk. Target: <= 1.0x. The read-only openpyxl load is reported for information.

Timings are interleaved (the order alternates each round) and reported as medians, so a busy machine
shifts both sides alike. Nothing here writes outside a temporary directory.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import pstats
import re
import statistics
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import openpyxl  # noqa: E402
import xlsxwriter  # noqa: E402

from xltemplates.catalogue.registry import get_template  # noqa: E402
from xltemplates.excel import PAPER_SIZES, WORKBOOK_OPTIONS  # noqa: E402
from xltemplates.form.model import ValueType  # noqa: E402
from xltemplates.form.typed import cell_number  # noqa: E402
from xltemplates.layout import Layout, LPrint, build_layout  # noqa: E402
from xltemplates.reader.check import check_bytes  # noqa: E402
from xltemplates.schema import validate_data  # noqa: E402
from xltemplates.trust.identity import LIST_SHEET, META_SHEET, encode, issue  # noqa: E402
from xltemplates.trust.keys import ENV_KEY_FILE, init_key, require_keyring  # noqa: E402
from xltemplates.writer.emit import PROTECT_OPTIONS, footer_code  # noqa: E402
from xltemplates.writer.emit import _Sheet as GrowingRows  # noqa: E402
from xltemplates.writer.formats import format_props  # noqa: E402
from xltemplates.writer.generate import generate_bytes, make_context  # noqa: E402
from xltemplates.writer.lists import plan_lists  # noqa: E402
from xltemplates.writer.validations import validation_options  # noqa: E402

NOW = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)  # one generation time for ours and the baseline: same identity text
PROJECTS = ROOT / "tests" / "fixtures" / "hebei-projects.json"
GEN_TARGET, CHECK_TARGET = 1.5, 1.0


# --------------------------------------------------------------------------------------------- workloads


@dataclass(frozen=True)
class Job:
    template: str
    code: str
    name: str
    data: dict[str, Any]
    allow_findings: bool = False


def dept_jobs(n: int) -> list[Job]:
    """N units, each with the realistic prefill: name, duties, goal and the 13 bureau-issued indicators."""
    t = get_template("dept-overall", make_context(2025, "X", "X"))
    presets = t.table("绩效指标").presets
    jobs = []
    for i in range(n):
        code, name = f"43012{i:04d}", f"长沙县第{i + 1}乡镇人民政府"
        data = {
            "部门单位名称": name,
            "部门（单位）职责": f"{name}负责本辖区经济社会发展、公共服务、社会管理和基层治理等工作；"
                                 "贯彻执行上级党委政府决策部署，组织实施本级财政预算。",
            "年度总体目标": "1.完成年度财政收支预算，保障机构正常运转；2.推进乡村振兴重点项目按期完工；"
                             "3.政务服务事项一次办结率达到95%以上；4.群众满意度不低于90%。",
            "绩效指标": [dict(p) for p in presets],
        }
        jobs.append(Job("dept-overall", code, name, data))
    return jobs


def project_jobs(n: int) -> list[Job]:
    """N units, each with the 13 Hebei projects (project 12 is inconsistent on purpose: allow_findings)."""
    data = json.loads(PROJECTS.read_text(encoding="utf-8"))
    return [Job("project", f"13020{i:04d}", f"某县第{i + 1}乡镇", data, True) for i in range(n)]


def use_throwaway_key() -> None:
    """Sign with a key made for this run: a benchmark never reads or creates the bureau's own key."""
    path = Path(tempfile.mkdtemp(prefix="xltemplates-bench-key-")) / "identity.key"
    init_key(path)
    os.environ[ENV_KEY_FILE] = str(path)


def ours(job: Job) -> bytes:
    return generate_bytes(job.template, make_context(2025, job.code, job.name), job.data, now=NOW,
                          allow_findings=job.allow_findings).content


# ------------------------------------------------------------------------------- baseline: xlsxwriter alone

STR, NUM, BLANK, MERGE, MERGE_NUM = range(5)


@dataclass
class SheetPlan:
    name: str
    widths: list[tuple[int, float]] = field(default_factory=list)
    heights: list[tuple[int, float]] = field(default_factory=list)
    ops: list[tuple[Any, ...]] = field(default_factory=list)  # (op, row, col, value, fmt | None[, r2, c2])
    validations: list[tuple[int, int, int, int, dict[str, Any]]] = field(default_factory=list)
    protect: dict[str, bool] = field(default_factory=dict)
    page: PageSetup | None = None  # the form's sheets print; the list and identity sheets do not
    grows: frozenset[int] = frozenset()  # rows written without customHeight (they grow with what is typed)
    state: str = "visible"  # visible / hidden / very_hidden


@dataclass
class PageSetup:
    """The print setup writer/emit.py gives a form's sheet, as plain values."""

    paper: int
    landscape: bool
    fit_width: int
    repeat_rows: tuple[int, int] | None
    area: tuple[int, int, int, int]
    footer: str
    center: bool


def page_setup(p: LPrint, ncols: int) -> PageSetup:
    return PageSetup(PAPER_SIZES[p.spec.paper], p.spec.landscape, p.spec.fit_width, p.repeat_rows,
                     (0, 0, p.last_row, ncols - 1), footer_code(p.footer), p.spec.center)


@dataclass
class WorkbookPlan:
    properties: dict[str, str]
    formats: list[dict[str, Any]]
    sheets: list[SheetPlan]
    names: list[tuple[str, str]]


def plan_workbook(job: Job) -> WorkbookPlan:
    """Everything the baseline writes, as plain tuples: derived from the layout, outside any timed region."""
    ctx = make_context(2025, job.code, job.name)
    t = get_template(job.template, ctx)
    layout: Layout = build_layout(t, validate_data(t, job.data))
    ident = issue(t.id, t.version, ctx, layout.fingerprint, layout.issued, require_keyring(), NOW)
    formats: list[dict[str, Any]] = []
    index: dict[Any, int] = {}

    def fmt(style: Any, locked: bool, vtype: ValueType, decimals: int | None) -> int:
        key = (style, locked, vtype, decimals)
        if key not in index:
            props = format_props(style, locked, vtype, decimals)  # the same properties, computed outside the timed region
            index[key] = len(formats)
            formats.append(props)
        return index[key]

    sheets = []
    for s in layout.sheets:
        sp = SheetPlan(s.name, list(enumerate(s.spec.widths)), list(s.heights.items()), protect=dict(PROTECT_OPTIONS),
                       page=page_setup(s.printing, s.spec.ncols) if s.printing is not None else None,
                       grows=frozenset(s.grows))
        heads = {(r1, c1): (r2, c2) for r1, c1, r2, c2 in s.merges}
        inside = {(r, c) for r1, c1, r2, c2 in s.merges for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)}
        for (r, c), cell in s.cells.items():
            f, v = fmt(cell.style, cell.locked, cell.vtype, cell.decimals), cell.value
            num = cell_number(v, cell.vtype)  # a typed value (a date: its serial) is written as a number
            number = num is not None
            if (r, c) in heads:
                r2, c2 = heads[(r, c)]
                if number:
                    sp.ops.append((MERGE_NUM, r, c, num, f, r2, c2))
                else:
                    sp.ops.append((MERGE, r, c, "" if v is None else str(v), f, r2, c2))
            elif (r, c) in inside:
                continue
            elif v is None or v == "":
                sp.ops.append((BLANK, r, c, None, f))
            elif number:
                sp.ops.append((NUM, r, c, num, f))
            else:
                sp.ops.append((STR, r, c, str(v), f))
        for v in s.validations:
            sp.validations.append((v.first_row, v.col, v.last_row, v.col, validation_options(t, s, v)))
        sheets.append(sp)
    names = []
    lp = plan_lists(t)
    if lp.columns:
        ls = SheetPlan(LIST_SHEET, state="hidden")
        for lc, header in zip(lp.columns, lp.headers, strict=True):
            ls.ops.append((STR, 0, lc.col, header, None))
            ls.ops.extend((STR, i, lc.col, value, None) for i, value in enumerate(lc.values, start=1))
            names.append((lc.name, lc.ref))
        sheets.append(ls)
    meta = SheetPlan(META_SHEET, state="very_hidden")
    for r, row in enumerate(encode(ident)):
        meta.ops.extend((STR, r, c, value, None) for c, value in enumerate(row))
    sheets.append(meta)
    props = {"title": t.title, "comments": f"xltemplates {t.id} {t.version}"}
    return WorkbookPlan(props, formats, sheets, names)


def baseline(plan: WorkbookPlan) -> bytes:
    """xlsxwriter alone: the calls a hand-written script makes to write this exact workbook."""
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, WORKBOOK_OPTIONS)
    wb.set_properties(plan.properties)
    fmts = [wb.add_format(p) for p in plan.formats]
    for sp in plan.sheets:
        # the same bytes need the same row flags: a hand-written script would take customHeight off the rows
        # that grow as ours does (emit's worksheet class; it only filters that attribute while writing)
        ws = wb.add_worksheet(sp.name, worksheet_class=GrowingRows)
        ws.grows = sp.grows
        for c, w in sp.widths:
            ws.set_column(c, c, w)
        for r, h in sp.heights:
            ws.set_row(r, h)
        for op in sp.ops:
            kind, r, c, v, f = op[:5]
            fm = None if f is None else fmts[f]
            if kind == STR:
                ws.write_string(r, c, v, fm)
            elif kind == BLANK:
                ws.write_blank(r, c, None, fm)
            elif kind == NUM:
                ws.write_number(r, c, v, fm)
            elif kind == MERGE:
                ws.merge_range(r, c, op[5], op[6], v, fm)
            else:
                ws.merge_range(r, c, op[5], op[6], "", fm)
                ws.write_number(r, c, v, fm)
        for r1, c1, r2, c2, opts in sp.validations:
            ws.data_validation(r1, c1, r2, c2, opts)
        ws.protect("", sp.protect)
        if sp.page is not None:
            pg = sp.page
            ws.set_paper(pg.paper)
            if pg.landscape:
                ws.set_landscape()
            if pg.fit_width:
                ws.fit_to_pages(pg.fit_width, 0)
            if pg.repeat_rows is not None:
                ws.repeat_rows(*pg.repeat_rows)
            ws.print_area(*pg.area)
            if pg.footer:
                ws.set_footer(pg.footer)
            if pg.center:
                ws.center_horizontally()
        if sp.state == "hidden":
            ws.hide()
        elif sp.state == "very_hidden":
            ws.very_hidden()
    for name, ref in plan.names:
        wb.define_name(name, ref)
    wb.worksheets()[0].activate()
    wb.close()
    return buf.getvalue()


_STAMPS = re.compile(rb"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>")


def compare_parts(a: bytes, b: bytes) -> tuple[int, list[str]]:
    """(parts compared, names of the parts that differ); creation timestamps aside."""
    za, zb = zipfile.ZipFile(io.BytesIO(a)), zipfile.ZipFile(io.BytesIO(b))
    names = sorted(set(za.namelist()) | set(zb.namelist()))
    diff = []
    for n in names:
        if n not in za.namelist() or n not in zb.namelist():
            diff.append(n)
        elif _STAMPS.sub(b"", za.read(n)) != _STAMPS.sub(b"", zb.read(n)):
            diff.append(n)
    return len(names), diff


def workbook_stats(content: bytes) -> str:
    z = zipfile.ZipFile(io.BytesIO(content))
    styles = z.read("xl/styles.xml").decode()
    xfs = re.search(r'<cellXfs count="(\d+)"', styles)
    cells = sum(len(re.findall(rb"<c ", z.read(n))) for n in z.namelist() if n.startswith("xl/worksheets/sheet"))
    merges = sum(len(re.findall(rb"<mergeCell ", z.read(n))) for n in z.namelist() if n.startswith("xl/worksheets/sheet"))
    dv = sum(len(re.findall(rb"<dataValidation ", z.read(n))) for n in z.namelist() if n.startswith("xl/worksheets/sheet"))
    sheets = len([n for n in z.namelist() if n.startswith("xl/worksheets/sheet")])
    return (f"{sheets} sheets, {cells} cells, {xfs.group(1) if xfs else '?'} cell formats, {merges} merges, "
            f"{dv} validations, {len(content) // 1024} KiB")


# ------------------------------------------------------------------------------------------------ timing


def _timed(fn: Callable[[], object]) -> float:
    gc.collect()
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def interleave(a: Callable[[], object], b: Callable[[], object], rounds: int) -> tuple[list[float], list[float]]:
    """Time a and b `rounds` times each, alternating which goes first."""
    ta, tb = [], []
    for i in range(rounds):
        if i % 2 == 0:
            ta.append(_timed(a))
            tb.append(_timed(b))
        else:
            tb.append(_timed(b))
            ta.append(_timed(a))
    return ta, tb


@dataclass
class Row:
    what: str
    ours_ms: float
    base_ms: float
    base_name: str
    target: float | None
    note: str = ""  # a reason the comparison is not valid (then the target FAILs)
    spread: str = ""
    ratio_: float | None = None  # the median of per-round ratios, when measured that way

    @property
    def ratio(self) -> float:
        return self.ratio_ if self.ratio_ is not None else self.ours_ms / self.base_ms


def paired(jobs: list[Job], plans: list[WorkbookPlan], rounds: int) -> list[list[tuple[float, float]]]:
    """Per round, per workbook: (ours, baseline) seconds, interleaved workbook by workbook (ours first for one
    unit, the baseline first for the next), so drift and bursts on a busy machine hit both sides alike."""
    clock = time.perf_counter
    out = []
    for k in range(rounds):
        gc.collect()
        pairs = []
        for i, (job, plan) in enumerate(zip(jobs, plans, strict=True)):
            if (i + k) % 2 == 0:
                t0 = clock()
                ours(job)
                t1 = clock()
                baseline(plan)
                t2 = clock()
                pairs.append((t1 - t0, t2 - t1))
            else:
                t0 = clock()
                baseline(plan)
                t1 = clock()
                ours(job)
                t2 = clock()
                pairs.append((t2 - t1, t1 - t0))
        out.append(pairs)
    return out


def bench_generate(label: str, jobs: list[Job], rounds: int) -> Row:
    plans = [plan_workbook(j) for j in jobs]  # outside the timed region
    mine, base = ours(jobs[0]), baseline(plans[0])
    n_parts, diff = compare_parts(mine, base)
    same = "identical" if not diff else f"DIFFERS in {', '.join(diff)}"
    print(f"  {label}: ours {workbook_stats(mine)}")
    print(f"  {label}: baseline output vs ours: {n_parts} parts, {same} (timestamps aside)")
    gc.collect()
    gc.freeze()  # the plans are long-lived: keep them out of the collector's way during timing
    per_round = paired(jobs, plans, rounds)
    gc.unfreeze()
    pairs = [p for r in per_round for p in r]
    ratio = statistics.median(a / b for a, b in pairs)
    totals = sorted(sum(a for a, _ in r) / sum(b for _, b in r) for r in per_round)
    spread = f"round totals {totals[0]:.2f}-{totals[-1]:.2f}x"
    return Row(f"generate {label} x{len(jobs)}", statistics.median(a for a, _ in pairs) * 1000,
               statistics.median(b for _, b in pairs) * 1000, "xlsxwriter alone", GEN_TARGET,
               "" if not diff else "baseline differs from ours", spread, ratio)


def bench_check(label: str, path: Path, repeats: int) -> list[Row]:
    def mine() -> object:
        return check_bytes(path.read_bytes(), path.name)

    def full() -> object:
        return openpyxl.load_workbook(path)

    def ro() -> object:
        wb = openpyxl.load_workbook(path, read_only=True)
        wb.close()
        return wb

    def ro_values() -> object:
        wb = openpyxl.load_workbook(path, read_only=True)
        for ws in wb.worksheets:
            for _ in ws.iter_rows(values_only=True):
                pass
        wb.close()
        return wb

    for f in (mine, full, ro, ro_values):
        f()
    rows = []
    for base, name, reps, target, info in (
        (full, "openpyxl.load_workbook", repeats, CHECK_TARGET, ""),
        (ro, "load_workbook(read_only) [lazy]", max(5, repeats // 2), None, "info: opens, parses no cell"),
        (ro_values, "read_only + iter_rows values", max(5, repeats // 2), None, "info"),
    ):
        ta, tb = interleave(mine, base, reps)
        pairs = sorted(a / b for a, b in zip(ta, tb, strict=True))
        spread = f"pair ratios p25-p75 {pairs[len(pairs) // 4]:.2f}-{pairs[(3 * len(pairs)) // 4]:.2f}x"
        rows.append(Row(f"check {label}", statistics.median(ta) * 1000, statistics.median(tb) * 1000, name, target,
                        "", spread if not info else f"{info}; {spread}"))
    return rows


# ----------------------------------------------------------------------------------------------- profile


def profile(label: str, fn: Callable[[], object], top: int) -> None:
    pr = cProfile.Profile()
    pr.enable()
    fn()
    pr.disable()
    st = pstats.Stats(pr)
    total = st.total_tt  # type: ignore[attr-defined]
    rows = []
    for (file, line, func), (_cc, nc, tt, ct, _callers) in st.stats.items():  # type: ignore[attr-defined]
        if "/xltemplates/" in file and "/benchmarks/" not in file:
            short = file.split("/xltemplates/", 1)[1]
            rows.append((tt, ct, nc, f"xltemplates/{short}:{line}:{func}"))
    print(f"\n  cProfile {label}: total {total * 1000:.0f} ms (profiler overhead inflates it)")
    print(f"  {'self %':>7} {'cum %':>7} {'calls':>8}  function (our code only, by self time)")
    for tt, ct, nc, name in sorted(rows, reverse=True)[:top]:
        print(f"  {tt / total:7.1%} {ct / total:7.1%} {nc:8d}  {name}")
    print(f"  {'':>7} {'cum %':>7} {'calls':>8}  function (our code only, by cumulative time)")
    for _tt, ct, nc, name in sorted(rows, key=lambda r: r[1], reverse=True)[:top]:
        print(f"  {'':>7} {ct / total:7.1%} {nc:8d}  {name}")


def generate_phases(job: Job, repeats: int) -> None:
    """Where one generate_bytes call spends its time, phase by phase (mirrors writer/generate.py), each phase
    also as a share of the baseline's time for the same workbook: the 1.5x target leaves 0.5x for all but emit."""
    from xltemplates.cellmap import from_layout
    from xltemplates.layout import layout_data
    from xltemplates.rules import run_rules
    from xltemplates.writer.emit import emit

    ctx = make_context(2025, job.code, job.name)
    plan = plan_workbook(job)
    acc: dict[str, list[float]] = {}

    def lap(name: str, fn: Callable[[], Any]) -> Any:
        t0 = time.perf_counter()
        out = fn()
        acc.setdefault(name, []).append(time.perf_counter() - t0)
        return out

    for _ in range(repeats):
        t = lap("get_template (spec/load.py: validate YAML, render Jinja)", lambda: get_template(job.template, ctx))
        clean = lap("validate_data (schema.py)", lambda t=t: validate_data(t, job.data))
        layout = lap("build_layout (layout.py)", lambda t=t, clean=clean: build_layout(t, clean))
        lap("layout_data + from_layout + run_rules (rules/)",
            lambda t=t, layout=layout: run_rules(t, layout_data(layout), from_layout(layout), 2025))
        ident = issue(t.id, t.version, ctx, layout.fingerprint, layout.issued, require_keyring(), NOW)
        lap("emit (writer/emit.py, incl. xlsxwriter)", lambda layout=layout, ident=ident: emit(layout, ident))
        lap("baseline", lambda: baseline(plan))
    med = {k: statistics.median(v) * 1000 for k, v in acc.items()}
    base = med.pop("baseline")
    total = sum(med.values())
    print(f"\n  generate {job.template}, one workbook by phase (median of {repeats}); baseline {base:.2f} ms:")
    for k, v in med.items():
        print(f"    {v:7.2f} ms {v / total:6.1%} {v / base:6.2f}x baseline  {k}")
    print(f"    {total:7.2f} ms {1:6.1%} {total / base:6.2f}x baseline  sum")


def check_phases(path: Path, repeats: int) -> None:
    """check_bytes split into: reading the file, opening it into grids (guards + XML), and the rest
    (identify, expected layout, locate/compare/extract, rules)."""
    from xltemplates.reader.check import BOUNDS
    from xltemplates.reader.xlsx import open_workbook

    acc: dict[str, list[float]] = {}
    for _ in range(repeats):
        t0 = time.perf_counter()
        content = path.read_bytes()
        t1 = time.perf_counter()
        open_workbook(content, path.name, BOUNDS)
        t2 = time.perf_counter()
        check_bytes(content, path.name)
        t3 = time.perf_counter()
        acc.setdefault("read the file", []).append(t1 - t0)
        acc.setdefault("open_workbook (reader/xlsx.py: guards, XML -> grids)", []).append(t2 - t1)
        acc.setdefault("identify + layout + compare/extract + rules", []).append((t3 - t2) - (t2 - t1))
    med = {k: statistics.median(v) * 1000 for k, v in acc.items()}
    print(f"\n  check {path.name}, one call by phase (median of {repeats}):")
    for k, v in med.items():
        print(f"    {v:7.2f} ms  {k}")


# -------------------------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=200, help="dept-overall workbooks per generate round (default 200)")
    ap.add_argument("--n-project", type=int, default=None,
                    help="13-project workbooks per generate round (default n/10, at least 3)")
    ap.add_argument("--rounds", type=int, default=None, help="interleaved generate rounds (default 5, quick 3)")
    ap.add_argument("--repeats", type=int, default=None, help="interleaved check repeats (default 60, quick 20)")
    ap.add_argument("--quick", action="store_true", help="small N and few repeats (under ~20 s)")
    ap.add_argument("--profile", action="store_true", help="also print cProfile hot spots in our code")
    args = ap.parse_args(argv)
    use_throwaway_key()
    n = args.n if not args.quick or args.n != 200 else 20
    n_project = args.n_project or max(3, n // 10)
    rounds = args.rounds or (3 if args.quick else 5)
    repeats = args.repeats or (20 if args.quick else 60)

    t_start = time.perf_counter()
    print(f"python {sys.version.split()[0]}, xlsxwriter {xlsxwriter.__version__}, openpyxl {openpyxl.__version__}, "
          f"{os.cpu_count()} CPUs; n={n}, n_project={n_project}, rounds={rounds}, repeats={repeats}")
    dept, proj = dept_jobs(n), project_jobs(n_project)
    rows: list[Row] = []
    print("\ngenerate (checking the baseline writes the same workbook):")
    rows.append(bench_generate("dept-overall", dept, rounds))
    rows.append(bench_generate("project (13 projects)", proj, rounds))

    with tempfile.TemporaryDirectory(prefix="xlt-bench-") as tmp:
        files = {"dept-overall (prefilled)": Path(tmp) / "dept-overall.xlsx",
                 "project (13 projects)": Path(tmp) / "project-13.xlsx"}
        files["dept-overall (prefilled)"].write_bytes(ours(dept[0]))
        files["project (13 projects)"].write_bytes(ours(proj[0]))
        print("\ncheck (sanity: what check_bytes finds in the untouched returns):")
        for (label, path), job in zip(files.items(), (dept[0], proj[0]), strict=True):
            rep = check_bytes(path.read_bytes(), path.name)
            codes = sorted({f.code for f in rep.findings})
            given = {k: v for k, v in rep.data.items() if v is not None}  # the signature block comes back blank
            print(f"  {label}: {len(rep.findings)} findings {codes}; data == the prefill (blank fields aside): "
                  f"{given == job.data}")
        for label, path in files.items():
            rows.extend(bench_check(label, path, repeats))

        if args.profile:
            print("\nprofiles:")
            generate_phases(dept[0], 30)
            generate_phases(proj[0], 8)
            for path in files.values():
                check_phases(path, 20)
            profile("generate dept-overall x20", lambda: [ours(j) for j in dept[:20]], 15)
            profile("generate project x3", lambda: [ours(j) for j in proj[:3]], 15)
            for label, path in files.items():
                reps = 30 if "dept" in label else 10
                profile(f"check {label} x{reps}",
                        lambda path=path, reps=reps: [check_bytes(path.read_bytes(), path.name) for _ in range(reps)], 15)

    print(f"\n{'what':34} {'ours ms':>8} {'base ms':>8}  {'baseline':32} {'ratio':>6}  {'target':8} spread")
    for r in rows:
        tgt = f"<= {r.target:.1f}x" if r.target is not None else "(info)"
        print(f"{r.what:34} {r.ours_ms:8.2f} {r.base_ms:8.2f}  {r.base_name:32} {r.ratio:5.2f}x  {tgt:8} {r.spread}"
              + (f"  {r.note}" if r.note else ""))
    print("(generate: ratio = median of per-workbook ratios over all rounds, ms = median per workbook;\n"
          " check: ratio and ms = medians of single calls)")
    print()
    failed = 0
    for r in rows:
        if r.target is None:
            continue
        ok = r.ratio <= r.target and not r.note
        failed += not ok
        print(f"{'PASS' if ok else 'FAIL'} {r.what} vs {r.base_name}: {r.ratio:.2f}x (target <= {r.target:.1f}x)"
              + (f" [{r.note}]" if r.note else ""))
    print(f"\n({time.perf_counter() - t_start:.1f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

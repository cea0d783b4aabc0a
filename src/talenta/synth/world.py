"""Build (and advance) a synthetic world: every selected source system, the truth and the defect manifest.

Each source is generated from its own random stream (seed, registry index), so a source's bytes do not
depend on which other sources are built or on how the process pool schedules them.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import shutil
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from talenta.domain.schemas import SCHEMAS
from talenta.lake.layout import write_json_atomic
from talenta.sources.dialects import get_dialect
from talenta.sources.registry import Source, load_registry
from talenta.synth import defects, history, people, writers
from talenta.synth.render import render

DEFAULT_SNAPSHOT = dt.date(2025, 12, 1)
REST_PAGE_SIZE = 500
ENTITIES = tuple(SCHEMAS)


@dataclass(frozen=True)
class BuildOptions:
    """What to build; everything that changes the bytes is here (and in world.json)."""

    out: Path
    scale: float = 0.01
    seed: int = 1
    snapshot_date: dt.date = DEFAULT_SNAPSHOT
    sources: tuple[str, ...] | None = None
    mariadb_url: str | None = None
    mariadb_prefix: str = "talenta_src_"   # database name = prefix + source_id (tests use their own prefix)
    rates: defects.DefectRates = field(default_factory=defects.DefectRates)
    faults: bool = True
    workers: int = 2


def token_for(seed: int, source_id: str) -> str:
    """The bearer token of a synthetic REST source (deterministic, synthetic, not a secret)."""
    return hashlib.sha256(f"talenta-synth:{seed}:{source_id}".encode()).hexdigest()[:32]


def file_stamp(day: dt.date) -> str:
    """Date stamp in drop file names."""
    return day.strftime("%Y%m%d")


def select_sources(ids: tuple[str, ...] | None) -> list[tuple[int, Source]]:
    """(registry index, source) for the requested ids (all enabled sources when ``ids`` is None)."""
    registry = load_registry()
    indexed = [(i, s) for i, s in enumerate(registry) if s.enabled]
    if ids is None:
        return indexed
    known = {s.source_id: (i, s) for i, s in indexed}
    missing = [x for x in ids if x not in known]
    if missing:
        raise KeyError(f"sources {missing} are not in the registry (config/sources.yaml); "
                       "see `talenta registry list` for valid ids")
    return [known[x] for x in ids]


def generate_truth(source: Source, index: int, n: int, snapshot: dt.date, seed: int) -> dict[str, pd.DataFrame]:
    """The defect-free canonical rows of one source."""
    rng = people.source_rng(seed, index)
    emp = people.generate_employees(source, index, n, snapshot, rng)
    return {
        "employee": emp,
        "performance": history.generate_performance(emp, snapshot, rng),
        "assessment": history.generate_assessments(emp, snapshot, rng),
        "discipline": history.generate_discipline(emp, snapshot, rng),
        "vacancy": history.generate_vacancies(source, index, n, snapshot, rng),
    }


def _ref_fn(kind: str, name: str, key: str | None, frame: pd.DataFrame):
    if kind == "file_drop":
        return lambda i: f"{name}:{i + 1}"
    if kind == "sql_db":
        if key in frame.columns:
            keys = frame[key].to_numpy()
            return lambda i: f"{name}.{key}={keys[i]}"
        return lambda i: f"{name}.{key}={i + 1}"
    return lambda i: f"page={i // REST_PAGE_SIZE + 1}:{i % REST_PAGE_SIZE}"


def build_source(task: tuple) -> tuple[str, dict[str, Path], list[dict], dict]:
    """Generate and write one source system; return its truth tables, manifest rows and connection."""
    index, source, n, opts = task
    truth = generate_truth(source, index, n, opts.snapshot_date, opts.seed)
    plan = transfer_plan(opts)
    own = _transferees(source, index, n, opts)
    extra = [own] if len(own) else []
    for sender_index, sender, sender_n in plan.get(index, []):
        moved = _transferees(sender, sender_index, sender_n, opts)
        if len(moved):
            extra.append(_arrive(moved, source, opts.snapshot_date, people.source_rng(opts.seed, index, 8)))
    if extra:
        emp = pd.concat([truth["employee"], *extra], ignore_index=True)
        truth["employee"] = emp.drop_duplicates("nip", keep="first").reset_index(drop=True)
    return emit_source((index, source, truth, opts, 0))


TRANSFER_RATE_BUILD = 0.003


def transfer_plan(opts: BuildOptions) -> dict[int, list[tuple[int, Source, int]]]:
    """See :func:`_transfer_plan` (cached per selection and scale: every source task asks for it)."""
    return _transfer_plan(opts.sources, opts.scale)


@functools.cache
def _transfer_plan(sources: tuple[str, ...] | None, scale: float) -> dict[int, list[tuple[int, Source, int]]]:
    """Who moved where before the snapshot: target registry index → [(sender index, sender, headcount)].

    Each selected source sends a few people to the next selected source of its province (central
    agencies count as DKI), or else to the next selected source; they appear in both systems.
    """
    selected = select_sources(sources)
    if len(selected) < 2:
        return {}
    counts = people.headcounts(load_registry(), scale)
    groups: dict[str, list[tuple[int, Source]]] = {}
    for i, s in selected:
        groups.setdefault(s.region_code[:2], []).append((i, s))
    plan: dict[int, list[tuple[int, Source, int]]] = {}
    for pos, (i, s) in enumerate(selected):
        group = groups[s.region_code[:2]]
        if len(group) > 1:
            target = group[(group.index((i, s)) + 1) % len(group)][0]
        else:
            target = selected[(pos + 1) % len(selected)][0]
        plan.setdefault(target, []).append((i, s, counts[s.source_id]))
    return plan


def _transferees(source: Source, index: int, n: int, opts: BuildOptions) -> pd.DataFrame:
    """The people of ``source`` who are moving out: generated from their own stream, so the sending and
    the receiving source produce exactly the same people."""
    k = round(n * TRANSFER_RATE_BUILD) + (1 if n >= 20 else 0)
    if k == 0:
        return pd.DataFrame()
    return people.generate_employees(source, index, k, opts.snapshot_date, people.source_rng(opts.seed, index, 7))


def _arrive(moved: pd.DataFrame, target: Source, snapshot: dt.date, rng: np.random.Generator) -> pd.DataFrame:
    """The same people as recorded by the receiving agency: its instansi and region, a recent jabatan."""
    out = moved.copy()
    out["instansi_id"] = target.instansi_id
    out["region_code"] = target.region_code
    days = rng.integers(5, 120, len(out))
    tmt = (np.datetime64(snapshot, "D") - days.astype("timedelta64[D]")).astype("datetime64[M]").astype("datetime64[D]")
    out["tmt_jabatan"] = np.maximum(tmt, out["tmt_cpns"].to_numpy().astype("datetime64[D]"))
    out["updated_at"] = (np.datetime64(snapshot, "D") - rng.integers(1, 5, len(out)).astype("timedelta64[D]")
                         ).astype("datetime64[us]") + np.timedelta64(9 * 3600, "s")
    return out


def emit_source(task: tuple) -> tuple[str, dict[str, Path], list[dict], dict]:
    """Render, damage and write one source system from its canonical ``truth`` frames.

    ``day`` (0 for the first build, then 1, 2, ... per advanced snapshot) salts the defect streams.
    """
    index, source, truth, opts, day = task
    snapshot = opts.snapshot_date
    dialect = get_dialect(source.dialect)
    rng_plan = people.source_rng(opts.seed, index, 1 + 10 * day)
    rng_def = people.source_rng(opts.seed, index, 2 + 10 * day)
    plan = defects.plan_file_defects(source.kind, dialect.format, opts.rates, rng_plan)
    root = opts.out / "sources" / source.source_id
    manifest: list[dict] = []
    vendor_frames: dict[str, pd.DataFrame] = {}
    names: dict[str, str] = {}
    for entity in ENTITIES:
        mapping = dialect.entities[entity]
        vendor = render(entity, truth[entity], dialect)
        # Files are named by table and date; databases and APIs by their table (or path).
        name = (f"{mapping.table}_{file_stamp(snapshot)}.{dialect.format}" if source.kind == "file_drop"
                else mapping.table)
        names[entity] = name
        ref = _ref_fn(source.kind, name, mapping.key, vendor)
        vendor, rows = defects.inject_rows(entity, vendor, truth[entity], dialect, source_id=source.source_id,
                                           kind=source.kind, snapshot=snapshot, rates=opts.rates, rng=rng_def,
                                           ref=ref)
        manifest += rows
        if plan.extra_column == entity:
            extra = "KETERANGAN" if any(c.isupper() for c in vendor.columns[0]) else "keterangan"
            vendor[extra] = [f"catatan {i + 1}" for i in range(len(vendor))]
            manifest.append(_file_entry(source, entity, name, extra, "schema_drift_extra_column"))
        if plan.missing_column and plan.missing_column[0] == entity:
            dropped = mapping.columns[plan.missing_column[1]]
            vendor = vendor.drop(columns=[dropped])
            manifest.append(_file_entry(source, entity, name, plan.missing_column[1], "schema_drift_missing_column"))
        vendor_frames[entity] = vendor
    _write(source, dialect, opts, root, vendor_frames, names, plan, manifest)
    # Truth parts go to disk, not back through the pool: the parent then streams them into one file per
    # entity and never holds the nation in memory.
    parts = {}
    for e in ENTITIES:
        part = opts.out / "truth" / "_parts" / e / f"{index:04d}.parquet"
        part.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(_truth_table(e, truth[e], source.source_id), part, compression="zstd")
        parts[e] = part
    return source.source_id, parts, manifest, _connection(source, opts, root)


def _file_entry(source: Source, entity: str, ref: str, fld: str | None, defect_class: str) -> dict:
    return {"source_id": source.source_id, "entity": entity, "record_ref": ref, "nip": None, "field": fld,
            "defect_class": defect_class, "value": None}


def _write(source: Source, dialect, opts: BuildOptions, root: Path, frames: dict[str, pd.DataFrame],
           names: dict[str, str], plan: defects.FilePlan, manifest: list[dict]) -> None:
    if source.kind == "file_drop":
        drop = root / "drop"
        drop.mkdir(parents=True, exist_ok=True)
        for entity, frame in frames.items():
            name = names[entity]
            if plan.empty == entity:
                data = b""
                manifest[:] = [m for m in manifest if not (m["entity"] == entity and m["record_ref"].startswith(name))]
                manifest.append(_file_entry(source, entity, name, None, "empty_file"))
            elif dialect.format == "xlsx":
                data = writers.xlsx_bytes(frame, dialect.entities[entity].table)
            else:
                cut = plan.truncated == entity and len(frame) > 1
                data = writers.csv_bytes(frame, dialect, truncate=cut)
                if cut:
                    last = f"{name}:{len(frame)}"
                    manifest[:] = [m for m in manifest if m["record_ref"] != last]
                    manifest.append(_file_entry(source, entity, last, None, "truncated_file"))
            (drop / name).write_bytes(data)
    elif source.kind == "sql_db":
        tables = {}
        for entity, frame in frames.items():
            mapping = dialect.entities[entity]
            tables[mapping.table] = (mapping.key, frame, mapping.vendor_to_canonical)
        if opts.mariadb_url:
            writers.write_mysql(opts.mariadb_url, f"{opts.mariadb_prefix}{source.source_id}", tables, dialect)
        else:
            root.mkdir(parents=True, exist_ok=True)
            writers.write_sqlite(root / "simpeg.sqlite", tables, dialect)
    else:
        api = root / "api"
        api.mkdir(parents=True, exist_ok=True)
        for entity, frame in frames.items():
            (api / f"{entity}.jsonl").write_bytes(writers.jsonl_bytes(frame))
        (api / "faults.json").write_text(json.dumps(_faults(source, opts), sort_keys=True))


def _faults(source: Source, opts: BuildOptions) -> dict:
    """Flaky APIs: some sources rate-limit or fail now and then (deterministic per seed)."""
    if not opts.faults:
        return {}
    h = int(hashlib.sha256(f"{opts.seed}:{source.source_id}:faults".encode()).hexdigest()[:8], 16)
    out: dict = {}
    if h % 10 < 3:
        out["rate_limit_every"] = 7
    if (h // 10) % 10 < 2:
        out["error_every"] = 11
    if (h // 100) % 20 == 0:
        out["slow_ms"] = 200
    return out


def _connection(source: Source, opts: BuildOptions, root: Path) -> dict:
    if source.kind == "file_drop":
        return {"conn_type": "fs", "extra": {"path": str((root / "drop").resolve())}}
    if source.kind == "sql_db":
        if opts.mariadb_url:
            p = writers.mysql_params(opts.mariadb_url)
            return {"conn_type": "mysql", "host": p["host"], "port": p["port"], "login": p["user"],
                    "password": p["password"] or None, "schema": f"{opts.mariadb_prefix}{source.source_id}"}
        return {"conn_type": "sqlite", "host": str((root / "simpeg.sqlite").resolve())}
    return {"conn_type": "http", "host": "127.0.0.1", "port": None, "password": token_for(opts.seed, source.source_id),
            "extra": {"base_path": f"/s/{source.source_id}"}}


def _truth_table(entity: str, frame: pd.DataFrame, source_id: str) -> pa.Table:
    schema = SCHEMAS[entity]
    arrays = []
    for f in schema:
        col = frame[f.name]
        if pa.types.is_date32(f.type):
            arrays.append(pa.array(col.to_numpy().astype("datetime64[D]"), type=pa.date32()))
        elif pa.types.is_timestamp(f.type):
            arrays.append(pa.array(col.to_numpy().astype("datetime64[us]"), type=f.type))
        else:
            arrays.append(pa.array(col.tolist() if col.dtype == object else col.to_numpy(), type=f.type))
    arrays.append(pa.array([source_id] * len(frame), type=pa.string()))
    return pa.Table.from_arrays(arrays, schema=schema.append(pa.field("source_id", pa.string())))


MANIFEST_SCHEMA = pa.schema([(c, pa.string()) for c in defects.MANIFEST_COLUMNS])


def build(opts: BuildOptions) -> dict:
    """Build the world described by ``opts``; returns the world.json document."""
    out = opts.out
    out.mkdir(parents=True, exist_ok=True)
    selected = select_sources(opts.sources)
    counts = people.headcounts(load_registry(), opts.scale)
    tasks = [(i, s, counts[s.source_id], opts) for i, s in selected]
    results = _run(build_source, tasks, opts.workers)
    _write_truth(out, results)
    world = {
        "seed": opts.seed, "scale": opts.scale, "snapshot_date": opts.snapshot_date.isoformat(),
        "sources": [s.source_id for _, s in selected],
        "rest": {"port": None, "ref": "page", "page_size": REST_PAGE_SIZE},
        "mariadb_url": opts.mariadb_url, "mariadb_prefix": opts.mariadb_prefix, "rates": asdict(opts.rates), "faults": opts.faults,
    }
    write_json_atomic(out / "world.json", world)
    return world


def load_world(out: Path) -> dict:
    """Read ``world.json``; a clear error when DIR is not a built world."""
    path = Path(out) / "world.json"
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: build the world first with `talenta synth --out {out}`")
    return json.loads(path.read_text())



# Daily change rates of an advanced snapshot (shares of a source's employees).
HIRE_RATE = 0.0008
TRANSFER_RATE = 0.0004
RATING_UPDATE_RATE = 0.002


def _frames_by_source(truth_dir: Path, entity: str) -> dict[str, pd.DataFrame]:
    frame = pq.read_table(truth_dir / f"{entity}.parquet").to_pandas()
    for col, typ in zip(SCHEMAS[entity].names, SCHEMAS[entity].types, strict=True):
        if pa.types.is_date32(typ):
            frame[col] = pd.to_datetime(frame[col])
    return {sid: g.drop(columns=["source_id"]).reset_index(drop=True) for sid, g in frame.groupby("source_id", sort=False)}


def advance(out: Path, days: int = 1, *, workers: int = 2) -> dict:
    """The next nightly snapshot(s): new hires, retirements (BUP), transfers, rating updates.

    Changed and new rows get ``updated_at`` = the new snapshot's night; file drops get new files dated the
    new snapshot; databases and REST data are replaced; the truth and the manifest are rewritten.
    """
    from talenta.domain import jabatan, predikat

    world = load_world(out)
    for _ in range(days):
        day_no = int(world.get("day", 0)) + 1
        snapshot = dt.date.fromisoformat(world["snapshot_date"]) + dt.timedelta(days=1)
        stamp = np.datetime64(snapshot, "D").astype("datetime64[us]") + np.timedelta64(2 * 3600, "s")
        rates = defects.DefectRates(**world["rates"])
        opts = BuildOptions(out=Path(out), scale=world["scale"], seed=world["seed"], snapshot_date=snapshot,
                            sources=tuple(world["sources"]), mariadb_url=world.get("mariadb_url"), rates=rates,
                            mariadb_prefix=world.get("mariadb_prefix", "talenta_src_"),
                            faults=world.get("faults", True), workers=workers)
        truth_dir = Path(out) / "truth"
        frames = {e: _frames_by_source(truth_dir, e) for e in ENTITIES}
        selected = select_sources(opts.sources)
        rng = people.source_rng(opts.seed, 10_000 + day_no)
        ids = [s.source_id for _, s in selected]
        moved: dict[str, list[pd.DataFrame]] = {sid: [] for sid in ids}
        for index, source in selected:
            sid = source.source_id
            emp = frames["employee"].get(sid, pd.DataFrame(columns=SCHEMAS["employee"].names)).copy()
            srng = people.source_rng(opts.seed, index, 100 + day_no)
            # Retirement at BUP: the record stays, with kedudukan 99 (pensiun).
            age = (np.datetime64(snapshot, "D") - emp["birth_date"].to_numpy().astype("datetime64[D]")).astype(int) / 365.25
            bup = emp["jabatan_level"].map(jabatan.bup).to_numpy()
            retire = (age >= bup) & (emp["status"] != "99").to_numpy()
            emp.loc[retire, "status"] = "99"
            emp.loc[retire, "updated_at"] = stamp
            hires = int(srng.binomial(max(len(emp), 1), HIRE_RATE)) + int(srng.random() < 0.3)
            if hires:
                new = people.generate_employees(source, index, hires, snapshot, srng)
                new = new[~new["nip"].isin(emp["nip"])]
                new["updated_at"] = stamp
                emp = pd.concat([emp, new], ignore_index=True)
            if len(ids) > 1 and len(emp):
                pick = srng.random(len(emp)) < TRANSFER_RATE
                for i in np.flatnonzero(pick):
                    target = ids[int(rng.integers(0, len(ids)))]
                    if target != sid:
                        moved[target].append(emp.iloc[[i]].copy())
            perf = frames["performance"].get(sid)
            if perf is not None and len(perf):
                upd = srng.random(len(perf)) < RATING_UPDATE_RATE
                if upd.any():
                    pairs = history.RATING_PAIRS
                    which = srng.choice(len(pairs), int(upd.sum()), p=[p for _, p in pairs] / np.sum([p for _, p in pairs]))
                    perf.loc[upd, "hasil_kerja"] = [pairs[w][0][0] for w in which]
                    perf.loc[upd, "perilaku_kerja"] = [pairs[w][0][1] for w in which]
                    perf["predikat"] = [predikat.predikat_for(h, p) for h, p in
                                        zip(perf["hasil_kerja"], perf["perilaku_kerja"], strict=True)]
            frames["employee"][sid] = emp
        by_id = {s.source_id: s for _, s in selected}
        for target, rows in moved.items():
            if rows:
                add = pd.concat(rows, ignore_index=True)
                add = add[~add["nip"].isin(frames["employee"][target]["nip"])]
                add["instansi_id"] = by_id[target].instansi_id
                add["region_code"] = by_id[target].region_code
                add["tmt_jabatan"] = pd.Timestamp(snapshot.replace(day=1))
                add["updated_at"] = stamp
                frames["employee"][target] = pd.concat([frames["employee"][target], add], ignore_index=True)
        tasks = []
        for index, source in selected:
            truth = {e: frames[e].get(source.source_id, _empty(e)) for e in ENTITIES}
            tasks.append((index, source, truth, opts, day_no))
        results = _run(emit_source, tasks, workers)
        _write_truth(Path(out), results)
        world = {**world, "snapshot_date": snapshot.isoformat(), "day": day_no}
        write_json_atomic(Path(out) / "world.json", world)
    return world


def _empty(entity: str) -> pd.DataFrame:
    return SCHEMAS[entity].empty_table().to_pandas()


def _run(fn, tasks: list, workers: int) -> list:
    if workers > 1 and len(tasks) > 4:
        with ProcessPoolExecutor(workers) as pool:
            return list(pool.map(fn, tasks, chunksize=max(1, len(tasks) // (workers * 8))))
    return [fn(t) for t in tasks]


def _write_truth(out: Path, results: list) -> None:
    truth_dir = out / "truth"
    truth_dir.mkdir(parents=True, exist_ok=True)
    for entity in ENTITIES:
        schema = SCHEMAS[entity].append(pa.field("source_id", pa.string()))
        target = truth_dir / f"{entity}.parquet"
        tmp = target.with_name(f".{target.name}.tmp")
        with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:
            for r in results:
                table = pq.read_table(r[1][entity])
                if table.num_rows:
                    writer.write_table(table)
        tmp.replace(target)
    shutil.rmtree(truth_dir / "_parts", ignore_errors=True)
    manifest = [m for r in results for m in r[2]]
    pq.write_table(pa.Table.from_pylist(manifest, schema=MANIFEST_SCHEMA), truth_dir / "defects.parquet")
    conns = {f"talenta_src_{r[0]}": r[3] for r in results}
    previous = out / "connections.json"
    if previous.exists():
        # ``advance`` while a server runs: keep the port it wrote, or the next night cannot reach it.
        for cid, conn in json.loads(previous.read_text()).items():
            if conn.get("conn_type") == "http" and conn.get("port") and cid in conns:
                conns[cid] = {**conns[cid], "port": conn["port"]}
    write_json_atomic(previous, conns)

"""`make bench`: the SPEC's quality bars, measured against a real server with wrk, each as a ratio
to a baseline taken in the same run, on SQLite and (when reachable) PostgreSQL.

1. feed GET vs a bare FastAPI app returning the same bytes from memory      goal >= 0.5
2. feed 304 vs that app's 304                                                goal >= 0.8
3. building a feed after a change vs reading and joining the same stored
   events (in process, median of many)                                      goal <= 3
4. create interview vs a trivial JSON endpoint (/healthz) on the same server goal >= 0.2
   and, for the record, the floor under a create on one core: the same request
   and answer doing nothing, plus planning and rendering, plus storing the same
   rows with the database driver alone
5. feed, list and due-today latency with 10,000 vs 10 candidates            goal <= 1.2
6. the same calendar served by Radicale (a CalDAV server), for the record

Prints each figure with its goal; `--markdown` also prints the table for bench/README.md.
"""

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from psycopg.types.json import Json
from sqlalchemy import Table, create_engine, func, insert, select, text
from sqlalchemy.engine import Engine, make_url

from service.accounts import service as accounts_service
from service.calendar import events
from service.calendar.feeds import FeedCache
from service.candidates import service as candidates_service
from service.config import Settings
from service.db import tables  # noqa: F401  (tables registers on Base.metadata)
from service.db.base import Base
from service.db.installation import installation_uid
from service.db.session import Database
from service.domain import cadence
from service.feeds import service as feeds_service
from service.interviews import planning as interviews_planning
from service.interviews import service as interviews_service
from tests.system.servers import Server, new_api_key

POSTGRES = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
INTERVIEWS = 50
CROWD = 10_000
# Creates stored in one transaction for the floor (line 4): as many as wrk keeps in flight.
GROUP = 8


@dataclass
class Load:
    rate: float  # requests per second
    latency_ms: float  # mean
    errors: int


def wrk(
    url: str,
    seconds: float,
    connections: int = 8,
    headers: dict[str, str] | None = None,
    script: str | None = None,
) -> Load:
    command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        if script:
            lua.write(script)
            lua.flush()
            command += ["-s", lua.name]
        out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"Latency\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    latency = float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = int(bad.group(1)) if bad else 0
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    return Load(rate, latency, errors)


def post_script(body: dict[str, Any], key: str) -> str:
    return (
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Authorization"] = "Bearer {key}"\n'
        f"wrk.body = {json.dumps(json.dumps(body))}\n"
    )


def interview_body(candidate_id: int, starts_at: datetime) -> dict[str, Any]:
    def contact(name: str, role: str, email: str | None) -> dict[str, Any]:
        return {"name": name, "role": role, "email": email, "phone": "+1 212 555 0100"}

    return {
        "candidate_id": candidate_id,
        "company": "Acme",
        "role": "Sales Manager",
        "starts_at": starts_at.isoformat(),
        "format": "in_person",
        "contacts": [
            contact("Jane Doe", "interviewer", "jane.doe@acme.example"),
            contact("Raj Patel", "hr", "raj@acme.example"),
            contact("Sam Lee", "receptionist", None),
        ],
        "references": [{"name": "Grace Hopper", "phone": "+1 202 555 0199"}],
    }


class Backend:
    """A fresh database on one backend, and the service running on it."""

    def __init__(self, name: str, folder: Path) -> None:
        self.name = name
        self.folder = folder
        self.admin: Engine | None = None
        if name == "sqlite":
            self.url = f"sqlite:///{folder / 'bench.db'}"
        else:
            self.admin = create_engine(POSTGRES, isolation_level="AUTOCOMMIT")
            self.database = f"ifs_bench_{uuid.uuid4().hex[:8]}"
            with self.admin.connect() as connection:
                connection.execute(text(f'CREATE DATABASE "{self.database}"'))
            self.url = make_url(POSTGRES).set(database=self.database).render_as_string(False)

    def close(self) -> None:
        if self.admin is not None:
            with self.admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)'))
            self.admin.dispose()


def postgres_reachable() -> bool:
    try:
        engine = create_engine(POSTGRES, connect_args={"connect_timeout": 3})
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


def seed(server: Server, url: str) -> tuple[str, dict[str, Any]]:
    """A key, and one candidate with INTERVIEWS interviews of 3 contacts, spread around today."""
    key = new_api_key(url, "bench")
    auth = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=server.url, headers=auth, timeout=60) as client:
        candidate = client.post(
            "/v1/candidates",
            json={"name": "Ada Lovelace", "timezone": "America/New_York", "country": "US"},
        ).json()
        first = datetime.now(UTC).replace(microsecond=0) - timedelta(days=30)
        for n in range(INTERVIEWS):
            body = interview_body(candidate["id"], first + timedelta(days=n, hours=n % 5))
            assert client.post("/v1/interviews", json=body).status_code == 201
        for n in range(9):  # ten candidates in all
            client.post("/v1/candidates", json={"name": f"Other {n}", "timezone": "UTC"})
    return key, candidate


def crowd(url: str, candidate_id: int, extra: int) -> None:
    """`extra` more candidates, each with a copy of one seeded interview, its contacts, references
    and follow-ups: copied row by row with new ids, far faster than through the API."""
    engine = create_engine(url)
    with engine.begin() as connection:

        def rows(table: Table, where: Any) -> list[dict[str, Any]]:
            return [dict(r) for r in connection.execute(select(table).where(where)).mappings()]

        def next_id(table: Table) -> int:
            return int(connection.execute(select(func.max(table.c.id))).scalar_one() or 0) + 1

        named = Base.metadata.tables
        c_t, i_t = named["candidates"], named["interviews"]
        ct_t, r_t = named["contacts"], named["interview_references"]
        f_t, t_t = named["followups"], named["feed_tokens"]
        candidate = rows(c_t, c_t.c.id == candidate_id)[0]
        interview = rows(i_t, i_t.c.candidate_id == candidate_id)[0]
        contacts = rows(ct_t, ct_t.c.interview_id == interview["id"])
        references = rows(r_t, r_t.c.interview_id == interview["id"])
        steps = rows(f_t, f_t.c.interview_id == interview["id"])
        ids = {t: next_id(t) for t in (c_t, i_t, ct_t, r_t, f_t, t_t)}
        batch: dict[Table, list[dict[str, Any]]] = {t: [] for t in ids}
        for n in range(extra):
            cid, iid = ids[c_t] + n, ids[i_t] + n
            batch[c_t].append({**candidate, "id": cid, "name": f"Crowd {n}"})
            batch[t_t].append(
                {
                    "id": ids[t_t] + n,
                    "candidate_id": cid,
                    "interview_id": None,
                    "token_hash": f"{n:064x}",
                    "created_at": candidate["created_at"],
                    "revoked_at": None,
                }
            )
            batch[i_t].append({**interview, "id": iid, "candidate_id": cid})
            moved = {}
            for k, contact in enumerate(contacts):
                moved[contact["id"]] = ids[ct_t] + n * len(contacts) + k
                batch[ct_t].append({**contact, "id": moved[contact["id"]], "interview_id": iid})
            for k, reference in enumerate(references):
                batch[r_t].append(
                    {**reference, "id": ids[r_t] + n * len(references) + k, "interview_id": iid}
                )
            for k, step in enumerate(steps):
                batch[f_t].append(
                    {
                        **step,
                        "id": ids[f_t] + n * len(steps) + k,
                        "interview_id": iid,
                        "candidate_id": cid,
                        "contact_id": moved.get(step["contact_id"]),
                    }
                )
        for table in (c_t, t_t, i_t, ct_t, r_t, f_t):
            for start in range(0, len(batch[table]), 5000):
                connection.execute(insert(table), batch[table][start : start + 5000])
        if connection.dialect.name == "postgresql":
            for table in ids:
                connection.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"(SELECT max(id) FROM {table.name}))"
                    )
                )
    engine.dispose()


def settle(url: str) -> None:
    """What a database in service would have had done by now: statistics for the planner and,
    on PostgreSQL, the vacuum that lets index-only scans skip the table (autovacuum's work)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("VACUUM ANALYZE"))
        else:
            connection.execute(text("ANALYZE"))
    engine.dispose()


def median_seconds(work: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def build_vs_join(url: str, token: str, candidate_id: int) -> tuple[float, float, float]:
    """Seconds to build the feed with an empty cache (as after a change), to read the same stored
    events and join them, and to join them in memory alone."""
    db = Database(Settings(database_url=url))
    now = datetime.now(UTC)
    options = feeds_service.FeedOptions()

    def build() -> object:
        return feeds_service.read_feed(db, token, options, now, FeedCache(), lambda _e, _m: True)

    f_t, i_t = Base.metadata.tables["followups"], Base.metadata.tables["interviews"]

    def texts() -> list[str]:
        with db.reading() as session:
            steps = session.execute(select(f_t.c.ics).where(f_t.c.candidate_id == candidate_id))
            interviews = session.execute(
                select(i_t.c.ics).where(i_t.c.candidate_id == candidate_id)
            )
            return [t for (t,) in [*steps, *interviews] if t]

    def read_and_join() -> object:
        return "".join(texts()).encode()

    stored = texts()
    built = median_seconds(build, 60)
    joined = median_seconds(read_and_join, 60)
    in_memory = median_seconds(lambda: "".join(stored).encode(), 200)
    db.dispose()
    return built, joined, in_memory


def create_floor(url: str, key: str, interview_id: int) -> tuple[float, float]:
    """Seconds a create cannot go below, in process: planning the stored interview and rendering
    its events (the domain work), and storing copies of its rows through the database driver
    alone, without SQLAlchemy, GROUP copies to a transaction as the server's writer stores them
    under wrk's connections (the storage work)."""
    db = Database(Settings(database_url=url))
    now = datetime.now(UTC)
    account_id = accounts_service.authenticate(db, key)
    with db.reading() as session:
        installation = installation_uid(session)
    view = interviews_service.get_interview(db, account_id, interview_id, now)
    interview = view.interview
    candidate = candidates_service.get_candidate(db, account_id, interview.candidate_id)

    def domain() -> object:
        plan = cadence.plan(
            interview,
            candidate,
            now=now,
            holidays=interviews_planning.holidays_for(candidate.country, interview),
        )
        stamp = events.Stamp(0, now, now)
        steps = [
            events.followup_event(s, interview, candidate.timezone, stamp, installation)
            for s in plan.followups
        ]
        return steps, events.interview_event(interview, stamp, installation)

    sqlite = db.engine.dialect.name == "sqlite"
    mark = "?" if sqlite else "%s"
    children = ("contacts", "interview_references", "followups")
    raw = db.engine.raw_connection()
    cursor = raw.cursor()

    def writable(value: Any) -> Any:
        # psycopg reads JSON columns as Python values and writes them only when told they are JSON.
        return Json(value) if isinstance(value, (list, dict)) else value

    def rows(table: str, where: str) -> tuple[list[str], list[tuple[Any, ...]]]:
        cursor.execute(f"SELECT * FROM {table} WHERE {where} = {mark}", (interview_id,))
        names = [column[0] for column in cursor.description]
        return names, [tuple(writable(value) for value in row) for row in cursor.fetchall()]

    stored = {"interviews": rows("interviews", "id")}
    stored.update({table: rows(table, "interview_id") for table in children})
    copies: list[int] = []

    def insert(table: str) -> str:
        names = stored[table][0][1:]  # all but the id
        return f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join([mark] * len(names))})"

    def begin() -> None:
        if sqlite:  # the service's connections leave BEGIN to it
            cursor.execute("BEGIN IMMEDIATE")

    def commit() -> None:
        if sqlite:
            cursor.execute("COMMIT")
        else:
            raw.commit()

    def store() -> None:
        begin()
        for _ in range(GROUP):
            cursor.execute(insert("interviews") + " RETURNING id", stored["interviews"][1][0][1:])
            returned = cursor.fetchone()
            assert returned is not None
            new_id = returned[0]
            for table in children:
                names, values = stored[table]
                at = names.index("interview_id")
                cursor.executemany(
                    insert(table), [(*row[1:at], new_id, *row[at + 1 :]) for row in values]
                )
            copies.append(new_id)
        commit()

    domain_seconds = median_seconds(domain, 60)
    store_seconds = median_seconds(store, 60) / GROUP
    begin()
    cursor.execute(
        f"DELETE FROM interviews WHERE id IN ({', '.join([mark] * len(copies))})", copies
    )
    commit()
    raw.close()
    db.dispose()
    return domain_seconds, store_seconds


def radicale(folder: Path, calendar: bytes, seconds: float) -> Load | None:
    """The same calendar served by Radicale from its filesystem store."""
    if shutil.which("radicale") is None and not (Path(sys.executable).parent / "radicale").exists():
        return None
    store = folder / "radicale"
    server = Server(
        "",
        folder / "radicale.log",
        command=[
            sys.executable,
            "-m",
            "radicale",
            "--storage-filesystem-folder",
            str(store),
            "--rights-type",
            "authenticated",
            "--server-hosts",
            "127.0.0.1:{port}",
            "--auth-type",
            "none",
            "--logging-level",
            "warning",
        ],
        ready="/.web/",
    )
    server.start()
    try:
        httpx.request("MKCOL", f"{server.url}/bench/", timeout=30)
        put = httpx.put(
            f"{server.url}/bench/followups/",
            content=calendar,
            headers={"Content-Type": "text/calendar"},
            timeout=120,
        )
        assert put.status_code in (201, 204), put.text
        served = httpx.get(f"{server.url}/bench/followups/", timeout=120)
        assert served.content.count(b"BEGIN:VEVENT") == calendar.count(b"BEGIN:VEVENT")
        return wrk(f"{server.url}/bench/followups/", seconds)
    finally:
        server.stop()


def run_backend(name: str, folder: Path, seconds: float) -> dict[str, Any]:
    backend = Backend(name, folder)
    results: dict[str, Any] = {"backend": name}
    # Limits off (one client makes all the load), and no access log.
    service = Server(
        backend.url,
        folder / f"{name}.log",
        API_RATE_LIMIT="",
        FEED_RATE_LIMIT="",
        LOG_LEVEL="warning",
    )
    try:
        service.start()
        key, candidate = seed(service, backend.url)
        # One create answered as the load will be, kept for the floor; made before the feed is
        # read, so the feed measured has it.
        create_body = interview_body(candidate["id"], datetime.now(UTC) + timedelta(days=3))
        answer = httpx.post(
            service.url + "/v1/interviews",
            json=create_body,
            headers={"Authorization": f"Bearer {key}"},
        )
        assert answer.status_code == 201, answer.text
        (folder / "answer.json").write_bytes(answer.content)
        feed = "/" + candidate["feed"]["https"].split("/", 3)[3]
        token = feed.removeprefix("/feeds/").removesuffix(".ics")
        first = httpx.get(service.url + feed, headers={"Accept-Encoding": "identity"})
        etag = first.headers["etag"]
        (folder / "feed.ics").write_bytes(first.content)
        results["feed_bytes"] = len(first.content)
        with httpx.stream("GET", service.url + feed, headers={"Accept-Encoding": "gzip"}) as got:
            results["gzip_bytes"] = len(b"".join(got.iter_raw()))
        results["events"] = first.content.count(b"BEGIN:VEVENT")

        baseline = Server(
            "",
            folder / "baseline.log",
            command=[
                sys.executable,
                "-m",
                "uvicorn",
                "bench.baseline:app",
                "--port",
                "{port}",
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            ready="/feed.ics",
            BASELINE_FEED=str(folder / "feed.ics"),
            BASELINE_ETAG=etag,
            BASELINE_ANSWER=str(folder / "answer.json"),
        )
        baseline.start()
        try:
            results["feed"] = (
                wrk(service.url + feed, seconds),
                wrk(baseline.url + "/feed.ics", seconds),
            )
            gzip = {"Accept-Encoding": "gzip"}
            results["feed_gzip"] = (
                wrk(service.url + feed, seconds, headers=gzip),
                wrk(baseline.url + "/feed.ics", seconds, headers=gzip),
            )
            tag = {"If-None-Match": etag}
            results["304"] = (
                wrk(service.url + feed, seconds, headers=tag),
                wrk(baseline.url + "/feed.ics", seconds, headers=tag),
            )
            script = post_script(create_body, key)
            bare_create = wrk(baseline.url + "/v1/interviews", seconds, script=script)
            assert not bare_create.errors
        finally:
            baseline.stop()

        results["build"] = build_vs_join(backend.url, token, candidate["id"])

        trivial = wrk(service.url + "/healthz", seconds)
        created = wrk(service.url + "/v1/interviews", seconds, script=script)
        results["create"] = (created, trivial)
        results["create_floor"] = (
            bare_create,
            *create_floor(backend.url, key, answer.json()["id"]),
        )

        service.stop()

        # Growth: the same reads with 10 and with 10,000 candidates. Feeds are read from the
        # database every time here (no answers from memory), to see the queries themselves.
        service = Server(
            backend.url,
            folder / f"{name}-scale.log",
            API_RATE_LIMIT="",
            FEED_RATE_LIMIT="",
            LOG_LEVEL="warning",
            FEED_REVALIDATE_SECONDS="0",
        ).start()
        auth = {"Authorization": f"Bearer {key}"}
        reads = {
            "feed": (feed, {"If-None-Match": etag}),
            "interviews": (f"/v1/interviews?candidate_id={candidate['id']}&limit=50", auth),
            "due": (f"/v1/followups?candidate_id={candidate['id']}&status=pending&limit=50", auth),
            "candidates": ("/v1/candidates?limit=10", auth),  # a full page either way
        }

        def latencies() -> dict[str, float]:
            found = {}
            for read, (path, headers) in reads.items():
                wrk(service.url + path, 1, connections=1, headers=headers)  # warm up
                runs = [
                    wrk(service.url + path, 1, connections=1, headers=headers) for _ in range(7)
                ]
                found[read] = min(run.latency_ms for run in runs)
            return found

        settle(backend.url)
        few = latencies()
        crowd(backend.url, candidate["id"], CROWD - 10)
        settle(backend.url)
        many = latencies()
        results["scale"] = {k: (many[k], few[k]) for k in reads}
    finally:
        service.stop()
        backend.close()
    results["radicale"] = radicale(folder, (folder / "feed.ics").read_bytes(), seconds)
    return results


def report(results: dict[str, Any]) -> list[tuple[str, str, str, bool | None]]:
    """Rows of (measure, figures, ratio and goal, met)."""
    rows: list[tuple[str, str, str, bool | None]] = []
    feed, base = results["feed"]
    rows.append(
        (
            "1. feed GET vs same bytes from memory",
            f"{feed.rate:.0f} vs {base.rate:.0f} req/s",
            f"{feed.rate / base.rate:.2f}x (goal >= 0.5)",
            feed.rate / base.rate >= 0.5 and not feed.errors,
        )
    )
    zipped, zipped_base = results["feed_gzip"]
    rows.append(
        (
            "1. feed GET with gzip vs the same compressed bytes from memory",
            f"{zipped.rate:.0f} vs {zipped_base.rate:.0f} req/s; "
            f"{results['gzip_bytes'] / 1000:.1f} kB for {results['feed_bytes'] / 1000:.0f} kB",
            f"{zipped.rate / zipped_base.rate:.2f}x (goal >= 0.5)",
            zipped.rate / zipped_base.rate >= 0.5 and not zipped.errors,
        )
    )
    mine, theirs = results["304"]
    rows.append(
        (
            "2. feed 304 vs the same baseline's 304",
            f"{mine.rate:.0f} vs {theirs.rate:.0f} req/s",
            f"{mine.rate / theirs.rate:.2f}x (goal >= 0.8)",
            mine.rate / theirs.rate >= 0.8 and not mine.errors,
        )
    )
    built, joined, in_memory = results["build"]
    rows.append(
        (
            "3. build after a change vs read + join of the stored events",
            f"{built * 1000:.2f} vs {joined * 1000:.2f} ms "
            f"(join in memory alone: {in_memory * 1000:.3f} ms)",
            f"{built / joined:.2f}x (goal <= 3)",
            built / joined <= 3,
        )
    )
    created, trivial = results["create"]
    rows.append(
        (
            "4. create interview vs trivial JSON endpoint",
            f"{created.rate:.0f} vs {trivial.rate:.0f} req/s",
            f"{created.rate / trivial.rate:.2f}x (goal >= 0.2)",
            created.rate / trivial.rate >= 0.2 and not created.errors,
        )
    )
    bare, domain, storing = results["create_floor"]
    # What no create can go below on one core: the same request and answer with no work, plus
    # the plan and its events, plus storing the rows through the driver alone. The service's
    # writer process does the last two beside the HTTP work, on the other core.
    floor = 1 / (1 / bare.rate + domain + storing)
    rows.append(
        (
            "4. the floor on one core: same request and answer doing nothing; + plan and "
            f"render; + store with the driver alone, {GROUP} a transaction",
            f"{bare.rate:.0f} req/s; + {domain * 1000:.2f} ms; + {storing * 1000:.2f} ms "
            f"= {floor:.0f} req/s one after another",
            f"{floor / trivial.rate:.2f}x on one core (for the record)",
            None,
        )
    )
    for name, (many, few) in results["scale"].items():
        rows.append(
            (
                f"5. {name} latency, 10,000 vs 10 candidates",
                f"{many:.2f} vs {few:.2f} ms",
                f"{many / few:.2f}x (goal <= 1.2)",
                many / few <= 1.2,
            )
        )
    peer = results["radicale"]
    if peer is not None:
        rows.append(
            (
                "6. Radicale serving the same calendar (for the record)",
                f"{peer.rate:.0f} req/s vs our {feed.rate:.0f}",
                f"{feed.rate / peer.rate:.1f}x ours",
                None,
            )
        )
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5, help="length of each load run")
    parser.add_argument("--markdown", action="store_true", help="also print bench/README.md rows")
    parser.add_argument("--only", choices=["sqlite", "postgresql"], help="one backend")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is missing: apt-get install wrk")
    backends = ["sqlite"] + (["postgresql"] if postgres_reachable() else [])
    backends = [args.only] if args.only else backends
    print(
        f"{datetime.now(UTC):%Y-%m-%d} on {platform.node()}: {os.cpu_count()} cores, "
        f"{platform.python_implementation()} {platform.python_version()}, wrk -t1 -c8"
    )
    met_all = True
    for name in backends:
        with tempfile.TemporaryDirectory() as folder:
            results = run_backend(name, Path(folder), args.seconds)
        print(f"\n{name}: {results['events']} events, feed {results['feed_bytes'] / 1000:.0f} kB")
        for measure, figures, ratio, met in report(results):
            mark = {True: "ok  ", False: "MISS", None: "    "}[met]
            print(f"  {mark} {measure}: {figures} -> {ratio}")
            if name == "sqlite" and met is False:
                met_all = False
        if args.markdown:
            print(f"\n| {name} | figures | ratio (goal) | met |\n|---|---|---|---|")
            for measure, figures, ratio, met in report(results):
                verdict = "" if met is None else "yes" if met else "no"
                print(f"| {measure} | {figures} | {ratio} | {verdict} |")
    return 0 if met_all else 1


if __name__ == "__main__":
    sys.exit(main())

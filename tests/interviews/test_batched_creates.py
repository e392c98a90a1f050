"""Creates stored together (interviews_service.store_interviews, as a burst is stored):
one transaction with a statement a table, and exactly the rows and answers that the same
creates give stored one by one."""

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select, update

from service.accounts import service as accounts_service
from service.candidates import service as candidates_service
from service.candidates.schemas import CandidateCreate
from service.config import Settings
from service.db import migrate
from service.db.base import Base
from service.db.installation import installation_uid
from service.db.session import Database
from service.db.tables import InstallationRow
from service.domain.changes import CandidateChanges, InterviewChanges
from service.errors import InProgress, InvalidInput
from service.idempotency.claims import Answer, Claim, json_answer, sealing_key, unseal
from service.interviews import planning as interviews_planning
from service.interviews import service as interviews_service
from service.interviews.schemas import InterviewCreate
from tests.builders import NOW, candidate_body, contact_body, interview_body
from tests.conftest import EmptyDatabases

# What a create stores; accounts, keys and feed tokens hold random secrets.
STORED_BY_CREATES = ("interviews", "contacts", "interview_references", "followups")


@pytest.fixture
def twin_dbs(databases: EmptyDatabases) -> Iterator[tuple[Database, Database]]:
    """Two new databases of the backend, set up alike: the same installation id, and the same
    accounts and candidates under the same ids."""
    made = []
    for _ in range(2):
        url = databases.new()
        migrate.upgrade(url)
        made.append(Database(Settings(database_url=url)))
    with made[0].reading() as session:
        installation = installation_uid(session)
    with made[1].writing() as session:
        session.execute(update(InstallationRow).values(uid=installation))
    yield made[0], made[1]
    for db in made:
        db.dispose()


def _setup(db: Database) -> tuple[int, int, list[int]]:
    """Two accounts; the first with candidates in New York (US holidays) and in Berlin."""
    mine = accounts_service.authenticate(db, accounts_service.create_key(db, "acme-careers", NOW))
    theirs = accounts_service.authenticate(db, accounts_service.create_key(db, "rival-portal", NOW))
    candidates = [
        candidates_service.create_candidate(db, mine, _candidate(), NOW)[0].id,
        candidates_service.create_candidate(
            db, mine, _candidate(name="Grace", timezone="Europe/Berlin", country=None), NOW
        )[0].id,
        candidates_service.create_candidate(db, theirs, _candidate(name="Theirs"), NOW)[0].id,
    ]
    assert all(candidates)
    return mine, theirs, [c for c in candidates if c is not None]


def _candidate(**overrides: Any) -> CandidateChanges:
    return CandidateCreate.model_validate(candidate_body(**overrides)).to_changes()


def _fields(candidate_id: int, **overrides: Any) -> InterviewChanges:
    return InterviewCreate.model_validate(interview_body(candidate_id, **overrides)).to_changes()


def _answer(view: interviews_planning.InterviewView) -> Answer:
    return json_answer(201, f'{{"id": {view.interview.id}}}')


def _claim(account_id: int, key: str) -> Claim[interviews_planning.InterviewView]:
    claim: Claim[interviews_planning.InterviewView] = Claim(
        account_id, f"{key:0>64}", f"fingerprint of {key}", sealing_key(key)
    )
    return claim.answering(_answer)


def _creates(mine: int, candidates: list[int]) -> list[interviews_service.NewInterview]:
    """A group as clients send one: interviews of two candidates, past and future, by mail
    and by phone; one refused for another account's candidate (its Idempotency-Key must not
    be kept), one for two primary contacts, and two taking the same Idempotency-Key."""
    ny, berlin, theirs = candidates
    later = NOW + timedelta(days=1)
    two_primaries = [contact_body(primary=True), contact_body(name="Raj Patel", primary=True)]
    return [
        interviews_service.NewInterview(mine, _fields(ny), NOW),
        interviews_service.NewInterview(
            mine,
            _fields(
                berlin,
                starts_at="2026-11-20T09:30:00+01:00",
                format="video",
                contacts=[contact_body(preferred_channel="mail", address="1 Main St")],
                references=[],
                decision_date="2026-12-04",
            ),
            NOW,
        ),
        interviews_service.NewInterview(mine, _fields(theirs), NOW, _claim(mine, "k0")),
        interviews_service.NewInterview(mine, _fields(ny, contacts=two_primaries), NOW),
        interviews_service.NewInterview(
            mine, _fields(ny, process="extended", format="phone"), later, _claim(mine, "k1")
        ),
        interviews_service.NewInterview(mine, _fields(berlin), later, _claim(mine, "k1")),
        interviews_service.NewInterview(mine, _fields(berlin, contacts=[], references=[]), later),
    ]


def _rows(db: Database) -> dict[str, list[dict[str, Any]]]:
    """What the creates stored; a remembered answer as it opens (sealing it draws a nonce)."""
    tables = Base.metadata.tables
    with db.reading() as session:
        found = {
            name: [
                dict(row) for row in session.execute(select(tables[name]).order_by("id")).mappings()
            ]
            for name in (*STORED_BY_CREATES, "idempotent_requests")
        }
    for row in found["idempotent_requests"]:
        row["answer"] = unseal(str(row["key_hash"]).lstrip("0"), row["answer"])
    return found


def test_a_group_stored_together_stores_what_one_by_one_creates_store(
    twin_dbs: tuple[Database, Database],
) -> None:
    together, alone = twin_dbs
    setups = _setup(together), _setup(alone)
    assert setups[0] == setups[1]
    mine, _, candidates = setups[0]
    creates = _creates(mine, candidates)

    commits: list[object] = []

    def count(connection: object) -> None:
        commits.append(connection)

    event.listen(together.engine, "commit", count)
    batched = interviews_service.store_interviews(together, creates)
    for stored_one in batched:
        stored_one.exception(10)
    event.remove(together.engine, "commit", count)
    single = []
    for c in creates:  # each alone, in its own transaction
        single.append(
            interviews_service.create_interview(alone, c.account_id, c.fields, c.now, c.claim)
        )
        single[-1].exception(10)

    assert len(commits) == 1
    answers: list[interviews_planning.InterviewView | BaseException] = []
    for one, other in zip(batched, single, strict=True):
        error = one.exception(10)
        if error is None:
            assert one.result() == other.result(10)
            answers.append(one.result())
        else:
            assert type(error) is type(other.exception(10))
            assert str(error) == str(other.exception(10))
            answers.append(error)
    assert _rows(together) == _rows(alone)

    refused = [type(a) for a in answers if not isinstance(a, interviews_planning.InterviewView)]
    assert refused == [InvalidInput, InvalidInput, InProgress]
    stored = _rows(together)
    assert len(stored["interviews"]) == 4
    assert len(stored["idempotent_requests"]) == 1
    # Stored with its claim, in the same transaction: the answer of the create that took k1.
    claimed = answers[4]
    assert isinstance(claimed, interviews_planning.InterviewView)
    assert stored["idempotent_requests"][0]["answer"] == _answer(claimed)
    # Each answer is what a read shows, with every step's event rendered.
    for view in answers:
        if isinstance(view, interviews_planning.InterviewView):
            assert view.interview.id is not None
            assert view == interviews_service.get_interview(together, mine, view.interview.id, NOW)
            steps = [s for s in stored["followups"] if s["interview_id"] == view.interview.id]
            assert len(steps) == len(view.followups) > 0
            assert all(step["ics"].startswith("BEGIN:VEVENT") for step in steps)

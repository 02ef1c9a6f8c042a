"""A made-up but realistic firm: the server's `demo` command, the client's tests and the benchmarks.

Rows are streamed (generators, in `ENTITY_ORDER`) so a firm of 100,000 customers and 1,000,000
activities never sits in memory. Every row is a dict holding `id`, every field that
`protocol.entities` declares for its entity (None where the demo has no value) and `archived`.

Determinism: the same seed, sizes and `today` give the same rows, byte for byte. Ids are derived
from (seed, entity, index), so a child row can name its parent without keeping the parents in
memory. The firm's dates are laid out around `today` (follow-ups overdue and due today, a year of
activities up to today), so pass `today` explicitly when a result must not depend on the clock.

Demo users: `admin`, `exec01`.., `head01`.., `am001`..; every demo user's password is
`DEMO_PASSWORD` ("demo1234"). E-mail addresses use `example.com` domains (reserved for
documentation), so nothing a demo does can reach a real mailbox.
"""

from __future__ import annotations

import hashlib
import math
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from protocol.demo_vocabulary import (
    CITIES,
    CORES,
    EN_CORES,
    EN_FIRST,
    EN_FOLLOWUPS,
    EN_LAST,
    EN_NOTES,
    EN_OUTCOMES,
    EN_STREETS,
    EN_SUBJECTS,
    EN_SUFFIXES,
    EN_TITLES,
    EN_TOPICS,
    EN_TOWNS,
    GIVEN,
    INDUSTRIES,
    PICKLISTS,
    PIPELINES,
    ROADS,
    SURNAMES,
    TAGS,
    ZH_FOLLOWUPS,
    ZH_NOTES,
    ZH_OUTCOMES,
    ZH_SUBJECTS,
    ZH_SUFFIXES,
    ZH_TITLES,
    ZH_TOPICS,
)
from protocol.entities import ENTITIES, ENTITY_ORDER

DEMO_PASSWORD = "demo1234"
# Mainland mobile prefixes in long use (China Mobile, Unicom, Telecom).
MOBILE_PREFIXES = tuple(
    str(prefix)
    for prefix in (*range(130, 140), 150, 151, 152, 153, 155, 156, 157, 158, 159, *range(180, 190))
)

# name -> (customers, activities)
SIZES: dict[str, tuple[int, int]] = {
    "tiny": (40, 300),
    "small": (300, 3_000),
    "medium": (5_000, 50_000),
    "large": (100_000, 1_000_000),
}

Row = dict[str, Any]


@dataclass(frozen=True)
class DemoUser:
    id: str
    login: str
    display_name: str
    role: str  # account_manager | team_head | executive | admin
    team_id: str | None


@dataclass(frozen=True)
class _CustomerProfile:
    """What child rows need to know about their customer, recomputed from its index on demand."""

    index: int
    id: str
    name: str
    chinese: bool
    company: bool
    industry: str
    domain: str
    owner: DemoUser
    city: str


def _derived_id(seed: int, entity: str, index: int) -> str:
    digest = hashlib.md5(f"{seed}:{entity}:{index}".encode(), usedforsecurity=False).digest()
    return str(uuid.UUID(bytes=digest, version=4))


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class DemoFirm:
    seed: int
    customer_count: int
    activity_count: int
    today: date
    users: tuple[DemoUser, ...] = field(init=False)
    team_ids: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        managers = max(6, math.ceil(self.customer_count / 400))
        teams = max(3, math.ceil(managers / 10))
        team_ids = tuple(_derived_id(self.seed, "team", t) for t in range(teams))
        rng = random.Random(f"{self.seed}:users")
        users = [DemoUser(self._id("user", 0), "admin", "系统管理员 Admin", "admin", None)]
        for number in range(1, 3):
            users.append(
                DemoUser(
                    self._id("user", len(users)),
                    f"exec{number:02d}",
                    self._person_name(rng, chinese=True),
                    "executive",
                    None,
                )
            )
        for t, team_id in enumerate(team_ids, start=1):
            users.append(
                DemoUser(
                    self._id("user", len(users)),
                    f"head{t:02d}",
                    self._person_name(rng, chinese=t % 3 != 0),
                    "team_head",
                    team_id,
                )
            )
        for m in range(1, managers + 1):
            users.append(
                DemoUser(
                    self._id("user", len(users)),
                    f"am{m:03d}",
                    self._person_name(rng, chinese=m % 4 != 0),
                    "account_manager",
                    team_ids[(m - 1) % teams],
                )
            )
        object.__setattr__(self, "users", tuple(users))
        object.__setattr__(self, "team_ids", team_ids)

    # --- Public API -----------------------------------------------------------------------------

    @property
    def account_managers(self) -> tuple[DemoUser, ...]:
        return tuple(user for user in self.users if user.role == "account_manager")

    def user(self, login: str) -> DemoUser:
        for user in self.users:
            if user.login == login:
                return user
        raise KeyError(f"The demo firm has no user {login!r}.")

    def customer_id(self, index: int) -> str:
        return self._id("customer", index)

    def rows(self, entity: str) -> Iterator[Row]:
        """A fresh iterator over one entity's rows (empty for entities the demo does not make)."""
        makers = {
            "team": self._teams,
            "user": self._users,
            "pipeline": self._pipelines,
            "stage": self._stages,
            "picklist": self._picklists,
            "customer": self._customers,
            "contact": self._contacts,
            "activity": self._activities,
            "followup": self._followups,
            "opportunity": self._opportunities,
        }
        maker = makers.get(entity)
        if maker is None:
            if entity not in ENTITIES:
                raise KeyError(f"Unknown entity {entity!r}.")
            return iter(())
        return (self._complete(entity, row) for row in maker())

    def entities(self) -> Iterator[tuple[str, Iterator[Row]]]:
        """(entity, rows) in dependency order: referenced records first."""
        for entity in ENTITY_ORDER:
            yield entity, self.rows(entity)

    # --- Helpers --------------------------------------------------------------------------------

    def _id(self, entity: str, index: int) -> str:
        return _derived_id(self.seed, entity, index)

    def _rng(self, purpose: str, index: int) -> random.Random:
        return random.Random(f"{self.seed}:{purpose}:{index}")

    @staticmethod
    def _complete(entity: str, row: Row) -> Row:
        """Every declared field present (None when unset), then `archived`."""
        complete: Row = {"id": row["id"]}
        for name in ENTITIES[entity].field_names:
            complete[name] = row.get(name)
        complete["archived"] = bool(row.get("archived", False))
        return complete

    @staticmethod
    def _person_name(rng: random.Random, *, chinese: bool) -> str:
        if chinese:
            return rng.choice(SURNAMES)[0] + rng.choice(GIVEN)[0]
        return f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}"

    def _moment(self, days_ago: float) -> datetime:
        midnight = datetime.combine(self.today, time(), tzinfo=UTC)
        return midnight - timedelta(days=days_ago)

    def _profile(self, index: int) -> _CustomerProfile:
        rng = self._rng("customer", index)
        chinese = rng.random() < 0.75
        company = rng.random() < 0.85
        industry = rng.choice(tuple(INDUSTRIES))
        zh_parts, en_parts = INDUSTRIES[industry]
        city, city_pinyin, _district = rng.choice(CITIES)
        if chinese and company:
            core, core_pinyin = rng.choice(CORES)
            name = city + core + rng.choice(zh_parts) + rng.choice(ZH_SUFFIXES)
            domain = f"{city_pinyin}{core_pinyin}.example.com"
        elif company:
            core = rng.choice(EN_CORES)
            name = f"{core} {rng.choice(en_parts)} {rng.choice(EN_SUFFIXES)}"
            domain = f"{core.lower()}.example.com"
        else:
            name = self._person_name(rng, chinese=chinese)
            domain = "mail.example.com"
        managers = self.account_managers
        return _CustomerProfile(
            index=index,
            id=self._id("customer", index),
            name=name,
            chinese=chinese,
            company=company,
            industry=industry,
            domain=domain,
            owner=managers[index % len(managers)],
            city=city,
        )

    @staticmethod
    def _phone(rng: random.Random, *, chinese: bool, mobile: bool) -> str:
        if chinese and mobile:
            return f"+86{rng.choice(MOBILE_PREFIXES)}{rng.randrange(10**8):08d}"
        if chinese:
            return f"+86{rng.choice(('10', '21', '20', '755'))}{rng.randrange(10**7, 10**8)}"
        # Ofcom's range for drama (020 7946 0xxx): valid-looking, never anyone's real number.
        return f"+4420794{60000 + rng.randrange(1000)}"

    def _address(self, rng: random.Random, profile: _CustomerProfile) -> str:
        if profile.chinese:
            district = next(c[2] for c in CITIES if c[0] == profile.city)
            city = "北京" if profile.city == "中国" else profile.city
            return f"{city}市{district}{rng.choice(ROADS)}{rng.randrange(1, 999)}号"
        town, postcode = rng.choice(EN_TOWNS)
        return f"{rng.randrange(1, 200)} {rng.choice(EN_STREETS)}, {town} {postcode}"

    # --- Reference data -------------------------------------------------------------------------

    def _teams(self) -> Iterator[Row]:
        heads = [user for user in self.users if user.role == "team_head"]
        for number, (team_id, head) in enumerate(zip(self.team_ids, heads, strict=True), 1):
            region = CITIES[(number - 1) % len(CITIES)][0]
            yield {"id": team_id, "name": f"{region}客户部 Team {number}", "head_id": head.id}

    def _users(self) -> Iterator[Row]:
        for user in self.users:
            yield {
                "id": user.id,
                "login": user.login,
                "display_name": user.display_name,
                "role": user.role,
                "team_id": user.team_id,
                "active": True,
            }

    def _pipelines(self) -> Iterator[Row]:
        for position, (name, _stages) in enumerate(PIPELINES):
            yield {"id": self._id("pipeline", position), "name": name, "position": position}

    def _stage_id(self, pipeline: int, position: int) -> str:
        return self._id("stage", pipeline * 100 + position)

    def _stages(self) -> Iterator[Row]:
        for pipeline, (_name, stages) in enumerate(PIPELINES):
            for position, (name, probability, outcome) in enumerate(stages):
                yield {
                    "id": self._stage_id(pipeline, position),
                    "pipeline_id": self._id("pipeline", pipeline),
                    "name": name,
                    "position": position,
                    "probability": probability,
                    "outcome": outcome,
                }

    def _picklists(self) -> Iterator[Row]:
        number = 0
        for kind, entries in PICKLISTS.items():
            for position, (value, label_en, label_zh) in enumerate(entries):
                yield {
                    "id": self._id("picklist", number),
                    "kind": kind,
                    "value": value,
                    "label_en": label_en,
                    "label_zh": label_zh,
                    "position": position,
                }
                number += 1

    # --- Customer records -----------------------------------------------------------------------

    def _customers(self) -> Iterator[Row]:
        for index in range(self.customer_count):
            profile = self._profile(index)
            rng = self._rng("customer-details", index)
            created = self._moment(rng.uniform(30, 1500))
            yield {
                "id": profile.id,
                "name": profile.name,
                "kind": "company" if profile.company else "person",
                "account_type": rng.choices(("customer", "partner", "competitor"), (90, 7, 3))[0],
                "industry": profile.industry,
                "address": self._address(rng, profile),
                "phone": self._phone(rng, chinese=profile.chinese, mobile=not profile.company),
                "email": f"info@{profile.domain}" if profile.company else None,
                "website": f"https://www.{profile.domain}" if profile.company else None,
                "fax": self._phone(rng, chinese=profile.chinese, mobile=False)
                if profile.company and rng.random() < 0.3
                else None,
                "source": rng.choice(PICKLISTS["source"])[0],
                "owner_id": profile.owner.id,
                "team_id": profile.owner.team_id,
                "lifecycle": rng.choices(("prospect", "target", "active", "lost"), (2, 2, 5, 1))[0],
                "tier": rng.choice(PICKLISTS["tier"])[0],
                "value_label": rng.choice(PICKLISTS["value_label"])[0],
                "tags": ",".join(rng.sample(TAGS, rng.randrange(0, 3))),
                "credit_notes": "付款及时,信用良好" if rng.random() < 0.2 else None,
                "created_at": _iso(created),
                "archived": rng.random() < 0.02,
            }

    def _contacts_of(self, profile: _CustomerProfile) -> list[tuple[str, Row]]:
        """(name, row) for each of the customer's contacts."""
        rng = self._rng("contact", profile.index)
        count = rng.randrange(1, 4) if profile.company else rng.randrange(0, 2)
        contacts = []
        for number in range(count):
            if profile.chinese:
                (surname, surname_py), (given, given_py) = rng.choice(SURNAMES), rng.choice(GIVEN)
                name, local = surname + given, f"{surname_py}.{given_py}"
                title = rng.choice(ZH_TITLES)
            else:
                first, last = rng.choice(EN_FIRST), rng.choice(EN_LAST)
                name, local = f"{first} {last}", f"{first}.{last}".lower()
                title = rng.choice(EN_TITLES)
            birthday = date(rng.randrange(1960, 2000), rng.randrange(1, 13), rng.randrange(1, 29))
            contacts.append(
                (
                    name,
                    {
                        "id": self._id("contact", profile.index * 4 + number),
                        "customer_id": profile.id,
                        "name": name,
                        "title": title,
                        "phone": self._phone(rng, chinese=profile.chinese, mobile=False),
                        "mobile": self._phone(rng, chinese=profile.chinese, mobile=True),
                        "email": f"{local}@{profile.domain}",
                        "birthday": birthday.isoformat(),
                        "buying_role": rng.choice(PICKLISTS["buying_role"])[0],
                        "notes": "喜欢早上沟通" if profile.chinese and rng.random() < 0.2 else None,
                    },
                )
            )
        return contacts

    def _contacts(self) -> Iterator[Row]:
        for index in range(self.customer_count):
            for _name, row in self._contacts_of(self._profile(index)):
                yield row

    def _activities(self) -> Iterator[Row]:
        """A year of activities in time order, spread over customers at random."""
        rng = random.Random(f"{self.seed}:activities")
        kinds = [value for value, _en, _zh in PICKLISTS["activity_kind"]]
        span_days = 365.0
        # One profile per customer, computed once: the activities themselves are never kept.
        profiles = [self._profile(index) for index in range(self.customer_count)]
        # Each customer's latest activity, for the few entries that correct an earlier one.
        latest: dict[int, str] = {}
        for number in range(self.activity_count):
            customer = rng.randrange(self.customer_count)
            profile = profiles[customer]
            kind = rng.choices(kinds, (30, 30, 15, 10, 10, 5))[0]
            days_ago = span_days * (1 - (number + rng.random()) / self.activity_count)
            if profile.chinese:
                person = rng.choice(SURNAMES)[0] + rng.choice(("总", "经理", "主任", "工"))
                subject = rng.choice(ZH_SUBJECTS[kind])
                notes = rng.choice(ZH_NOTES).format(person=person, topic=rng.choice(ZH_TOPICS))
                next_step = "下周发送正式方案" if rng.random() < 0.3 else None
            else:
                person = f"{rng.choice(EN_FIRST)} {rng.choice(EN_LAST)}"
                subject = rng.choice(EN_SUBJECTS[kind])
                notes = rng.choice(EN_NOTES).format(person=person, topic=rng.choice(EN_TOPICS))
                next_step = "Send the formal proposal next week" if rng.random() < 0.3 else None
            outcome = None
            if rng.random() < 0.4:
                outcome = rng.choice(ZH_OUTCOMES if profile.chinese else EN_OUTCOMES)
            # Activities are never edited: a correction is a new entry naming the one it amends.
            amends = latest.get(customer) if rng.random() < 0.01 else None
            if amends is not None:
                subject = ("更正:" if profile.chinese else "Correction: ") + subject
            # A colleague or the team head sometimes records a visit for the account manager.
            recorder = profile.owner if rng.random() < 0.9 else rng.choice(self.users)
            activity_id = self._id("activity", number)
            latest[customer] = activity_id
            yield {
                "id": activity_id,
                "customer_id": profile.id,
                "kind": kind,
                "occurred_at": _iso(self._moment(days_ago)),
                "duration_min": rng.choice((5, 15, 30, 45, 60, 90, 120)),
                "place": profile.city if kind in ("visit", "meeting", "return_visit") else None,
                "subject": subject,
                "notes": notes,
                "outcome": outcome,
                "next_step": next_step,
                "done_by": profile.owner.id,
                "recorded_by": recorder.id,
                "amends_id": amends,
            }

    def _followups(self) -> Iterator[Row]:
        """About 60 % of customers have one: some overdue, some due today, the rest ahead."""
        for index in range(self.customer_count):
            rng = self._rng("followup", index)
            if rng.random() >= 0.6:
                continue
            profile = self._profile(index)
            when = rng.choices(("overdue", "today", "ahead", "done"), (2, 1, 4, 3))[0]
            midnight = datetime.combine(self.today, time(), tzinfo=UTC)
            if when == "today":
                due = midnight + timedelta(hours=rng.randrange(1, 23))
            elif when == "ahead":
                due = midnight + timedelta(days=rng.randrange(1, 30), hours=rng.randrange(9, 18))
            else:
                due = midnight - timedelta(days=rng.randrange(1, 30), hours=rng.randrange(0, 12))
            template = rng.choice(ZH_FOLLOWUPS if profile.chinese else EN_FOLLOWUPS)
            yield {
                "id": self._id("followup", index),
                "customer_id": profile.id,
                "title": template.format(name=profile.name),
                "due_at": _iso(due),
                "assignee_id": profile.owner.id,
                "priority": rng.choices(("high", "normal", "low"), (2, 6, 2))[0],
                "done": when == "done",
                "done_at": _iso(due) if when == "done" else None,
            }

    def _opportunities(self) -> Iterator[Row]:
        """About 40 % of customers have one; construction firms use the project pipeline."""
        for index in range(self.customer_count):
            rng = self._rng("opportunity", index)
            if rng.random() >= 0.4:
                continue
            profile = self._profile(index)
            pipeline = 1 if profile.industry == "construction" else 0
            stages = PIPELINES[pipeline][1]
            position = rng.randrange(len(stages))
            _stage_name, probability, outcome = stages[position]
            currency = "CNY" if profile.chinese else rng.choice(("USD", "GBP"))
            topic = rng.choice(ZH_TOPICS) if profile.chinese else rng.choice(EN_TOPICS)
            yield {
                "id": self._id("opportunity", index),
                "customer_id": profile.id,
                "name": f"{profile.name} - {topic}",
                "amount": float(rng.randrange(5, 2000) * 10_000),
                "currency": currency,
                "probability": probability,
                "pipeline_id": self._id("pipeline", pipeline),
                "stage_id": self._stage_id(pipeline, position),
                "expected_close": (
                    self.today + timedelta(days=rng.randrange(-60, 240))
                ).isoformat(),
                "owner_id": profile.owner.id,
                "how_to_win": "突出本地服务团队和交付速度" if profile.chinese else None,
                "competitors": rng.choice(("", "中建三局", "Atlas Group", "宏达集团")),
                "lost_reason": ("价格偏高" if profile.chinese else "Price")
                if outcome == "lost"
                else None,
                "status": outcome or "open",
                "created_at": _iso(self._moment(rng.uniform(10, 300))),
            }


def generate_firm(
    *,
    size: str | None = None,
    customers: int = SIZES["small"][0],
    activities: int = SIZES["small"][1],
    seed: int = 7,
    today: date | None = None,
) -> DemoFirm:
    """A demo firm: `size` ("tiny", "small", "medium", "large") overrides the explicit counts."""
    if size is not None:
        if size not in SIZES:
            raise ValueError(f"Unknown demo size {size!r}; choose one of {', '.join(SIZES)}.")
        customers, activities = SIZES[size]
    if customers < 1:
        raise ValueError("A demo firm needs at least one customer.")
    if activities < 0:
        raise ValueError("The number of activities cannot be negative.")
    return DemoFirm(
        seed=seed,
        customer_count=customers,
        activity_count=activities,
        today=today or datetime.now(UTC).date(),
    )

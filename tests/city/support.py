"""Building a city's history by hand: commune keys, signed reports made as the commune makes them
(``core.payload`` + an Ed25519 JWS), pushed through the intake's real API."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from joserfc import jws
from joserfc.jwk import OKPKey

from tests import factories
from tests.factories import figures
from tests.helpers import signed_in  # noqa: F401 (tests call it as support.signed_in)
from wardapp.city.desk import operations as desk
from wardapp.city.enrolment.operations import enrol
from wardapp.city.extensions import city_db
from wardapp.city.models import CityUser, ReceivedReport
from wardapp.core import clock, payload
from wardapp.core.units import find

JWS_TYPE = "wardapp-report+jws"  # wardapp.signing.operations.JWS_TYPE
PASSWORD = factories.PASSWORD  # every persona of both apps has the same password


@dataclass
class Commune:
    code: str
    key: OKPKey = field(default_factory=lambda: OKPKey.generate_key("Ed25519"))

    @property
    def unit(self):
        return find(self.code)


def signed(
    commune: Commune,
    day: dt.date,
    *,
    revision: int = 1,
    late: bool = False,
    figures_: dict | None = None,
    explanations: list | None = None,
    tasks: list | None = None,
    extra: dict | None = None,
) -> str:
    """A signed report of ``commune`` for ``day``: the JWS the commune would push."""
    unit = commune.unit
    signed_at = dt.datetime.combine(day + dt.timedelta(days=1 if late else 0), dt.time(16, 0), clock.TZ)
    document = payload.assemble(
        payload.SigningInput(
            commune={"code": unit.code, "name": unit.name, "province_code": unit.province_code},
            day=day,
            revision=revision,
            supersedes=payload.report_id(unit.code, day, revision - 1) if revision > 1 else None,
            correction_reason="Sửa số liệu tiếp nhận" if revision > 1 else None,
            signed_at=signed_at,
            signer={"username": "leader", "full_name": "Nguyễn Văn Lãnh", "position": "Chủ tịch UBND"},
            late=late,
            late_reason="Mất điện cả buổi chiều" if late else None,
            figures=figures_ or figures(),
            narrative={"highlights": "", "difficulties": "", "proposals": ""},
            tasks=tasks or [],
            explanations=explanations or [],
        )
    )
    document.update(extra or {})  # optional fields a newer commune adds (e.g. figure_sources)
    return jws.serialize_compact(
        {"alg": "Ed25519", "kid": commune.key.thumbprint(), "typ": JWS_TYPE},
        payload.encode(document),
        commune.key,
        algorithms=["Ed25519"],
    )


def push(client, token: str, pdf: bytes | None = None) -> dict:
    data = {"report": token}
    if pdf is not None:
        import io

        data["pdf"] = (io.BytesIO(pdf), "report.pdf", "application/pdf")
    response = client.post("/api/v1/daily-reports", data=data, content_type="multipart/form-data")
    assert response.status_code == 201, response.get_data(as_text=True)  # stored (200: a resend)
    return response.get_json()


def enrol_all(app, communes: list[Commune]) -> None:
    with app.app_context():
        for commune in communes:
            enrol(commune.code, commune.key.as_dict(private=False))
        city_db.session.commit()


def make_user(app, username: str, *, provinces: str = "", role: str = "reviewer") -> None:
    with app.app_context():
        user = CityUser(username=username, full_name=f"Cán bộ {username}", role=role, provinces=provinces)
        user.set_password(PASSWORD)
        city_db.session.add(user)
        city_db.session.commit()


def history_rows(pk: int, unit, day: dt.date, figures_: dict, kid: str, late: bool = False) -> tuple[dict, dict]:
    """A received report and its figures row as intake stores them (``facts.columns`` of the
    payload), for writing long histories straight into the tables."""
    from wardapp.city.intake import facts

    document = {
        "commune": {"code": unit.code, "name": unit.name, "province_code": unit.province_code},
        "date": day.isoformat(),
        "signed_at": f"{day + dt.timedelta(days=1 if late else 0)}T16:30:00+07:00",
        "figures": figures_,
        "tasks": [],
        "explanations": [],
        "photos": [],
    }
    report_id = payload.report_id(unit.code, day, 1)
    report = {
        "id": pk,
        "report_id": report_id,
        "commune_code": unit.code,
        "date": day,
        "revision": 1,
        "supersedes": None,
        "payload": payload.encode(document),
        "payload_sha256": "0" * 64,
        "jws": "x" * 2000,  # a JWS's usual size
        "kid": kid,
        "late": late,
        "receipt_id": "R-" + report_id,
        "received_at": clock.utcnow(),
        "state": "received",
        "comment": "",
        "returned_by": "",
    }
    figures_row = {
        "report_pk": pk,
        "report_id": report_id,
        "commune_code": unit.code,
        "date": day,
        "revision": 1,
        "current": True,
        "late": late,
        "returned": False,
        **facts.columns(document),
    }
    return report, figures_row


def bulk_history(app, communes: list[Commune], last_day: dt.date, days: int) -> None:
    """``days`` of on-time reports for each commune, written straight into the tables as intake
    writes them: a long history without ``days × communes`` pushes."""
    from wardapp.city.models import ReceivedFigures

    with app.app_context():
        pk = (city_db.session.scalar(city_db.select(city_db.func.max(ReceivedReport.id))) or 0) + 1
        reports, figures_rows = [], []
        for commune in communes:
            for offset in range(days):
                report, row = history_rows(
                    pk, commune.unit, last_day - dt.timedelta(days=offset), figures(), commune.key.thumbprint()
                )
                reports.append(report)
                figures_rows.append(row)
                pk += 1
        city_db.session.execute(city_db.insert(ReceivedReport), reports)
        city_db.session.execute(city_db.insert(ReceivedFigures), figures_rows)
        desk.changed()  # as intake does: pages remember totals until the desk's revision moves
        city_db.session.commit()

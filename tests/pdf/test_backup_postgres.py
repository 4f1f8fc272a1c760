"""The PostgreSQL leg of ``backup create|verify|restore`` (issue 21, "Also"): each app on a real
PostgreSQL database, backed up while it runs, restored onto an empty database of another cluster
(the new machine), where every signed revision still verifies (its JWS with the enrolled or
commune key, its signed PDF against the commune's roots) and every photo matches its hash. A
restore never replaces a PostgreSQL database that holds tables unless told to."""

from __future__ import annotations

import pytest
import sqlalchemy

from wardapp.app import create_app
from wardapp.backup import operations
from wardapp.city import backup as city_backup
from wardapp.city.app import create_app as create_city_app
from wardapp.city.extensions import city_db
from wardapp.city.models import ReceivedReport
from wardapp.core import backup
from wardapp.core.pdf import verification
from wardapp.delivery.sender import send_due
from wardapp.extensions import db
from wardapp.signing import documents
from wardapp.signing.models import ReportRevision

from .. import services
from .conftest import TODAY, correct, day_ready, name_leader, sign

pytestmark = pytest.mark.parametrize("db_engine", ["postgresql"], indirect=True)


def cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args), catch_exceptions=False)


@pytest.fixture
def new_machine():
    """Another PostgreSQL cluster (or, given WARDAPP_TEST_POSTGRES_URL, the same server) with one
    empty database: where the backup is restored."""
    cluster = services.PostgresCluster().start()
    name = cluster.create_database("restored")
    yield cluster.url(name)
    cluster.drop_database(name)
    cluster.stop()


@pytest.fixture
def two_revisions(app, commune, users):
    """Today signed, then corrected: two signed revisions, each with its PDF."""
    name_leader(users)
    report = day_ready(commune, users, TODAY, photos=2, late=1)
    first = sign(commune, report, users)
    second = correct(commune, report, users, "Bổ sung số liệu hồ sơ trực tuyến theo yêu cầu của thành phố.")
    return [first.report_key, second.report_key]


def tables(url: str) -> list[str]:
    engine = sqlalchemy.create_engine(url, poolclass=sqlalchemy.pool.NullPool)
    try:
        return sqlalchemy.inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_the_commune_backup_restores_onto_an_empty_postgresql_database(
    app, two_revisions, new_machine, tmp_path_factory
):
    assert app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    archive = tmp_path_factory.mktemp("pg-backups") / "commune.tar.gz"

    made = cli(app, "backup", "create", str(archive))

    assert made.exit_code == 0, made.output
    manifest, problems = backup.verify(archive)
    assert problems == [] and manifest["database"] == backup.PG_MEMBER
    assert cli(app, "backup", "verify", str(archive)).exit_code == 0
    assert tables(new_machine) == []

    empty = tmp_path_factory.mktemp("pg-new-machine")
    restored = create_app({"INSTANCE_PATH": empty, "TESTING": True, "SQLALCHEMY_DATABASE_URI": new_machine})
    with restored.app_context():
        answer = cli(restored, "backup", "restore", str(archive))
        assert answer.exit_code == 0, answer.output
        assert "2 signed revisions and 2 photos checked" in answer.output
        assert operations.check_instance().problems == []
        revisions = restored_revisions()
        roots = documents.trust_roots()
        assert [r.report_key for r in revisions] == two_revisions
        for revision in revisions:
            check = verification.check_pdf(documents.revision_pdf(revision), roots)
            assert check.valid and check.payload == revision.payload, revision.report_key
        db.session.remove()
        db.engine.dispose()  # before the database is dropped


def restored_revisions() -> list[ReportRevision]:
    return list(db.session.scalars(db.select(ReportRevision).order_by(ReportRevision.id)))


def test_a_restore_never_replaces_a_postgresql_database_that_holds_tables(app, two_revisions, tmp_path):
    archive = tmp_path / "commune.tar.gz"
    assert cli(app, "backup", "create", str(archive)).exit_code == 0

    refused = app.test_cli_runner().invoke(args=["backup", "restore", str(archive)])

    assert refused.exit_code != 0 and "restore onto an empty" in refused.output
    assert cli(app, "backup", "restore", "--overwrite", str(archive)).exit_code == 0


def test_the_city_backup_restores_onto_an_empty_postgresql_database(
    wired, two_revisions, new_machine, tmp_path_factory
):
    assert send_due() == {"accepted": 2}
    city = wired.app
    assert city.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")
    archive = tmp_path_factory.mktemp("pg-city-backups") / "city.tar.gz"
    with city.app_context():
        made = cli(city, "backup", "create", str(archive))
        assert made.exit_code == 0, made.output
        received = [r.report_id for r in city_db.session.scalars(city_db.select(ReceivedReport))]
    assert backup.verify(archive)[0]["database"] == backup.PG_MEMBER

    # The new intake server: another database, the same object store (photos and PDFs live there)
    # and the same configuration (a shared database needs the secret key in it).
    store = {k: v for k, v in city.config.items() if k.startswith("STORE_") or k == "SECRET_KEY"}
    empty = tmp_path_factory.mktemp("pg-new-city")
    restored = create_city_app(
        {"INSTANCE_PATH": empty, "TESTING": True, "SQLALCHEMY_DATABASE_URI": new_machine, **store}
    )
    with restored.app_context():
        answer = cli(restored, "backup", "restore", str(archive))
        assert answer.exit_code == 0, answer.output
        check = city_backup.check_instance()
        assert check.problems == [] and check.revisions == len(received) == 2 and check.photos == 4
        assert [r.report_id for r in city_db.session.scalars(city_db.select(ReceivedReport))] == received
        city_db.session.remove()
        city_db.engine.dispose()

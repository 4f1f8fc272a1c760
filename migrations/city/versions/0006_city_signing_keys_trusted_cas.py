"""Signing keys and trusted CAs in the database: nothing an intake server needs on its own disk

Reviewed: two new tables, nothing moved by SQL. ``city_signing_keys`` holds the department's key
as an encrypted PKCS#12 (the passphrase is configuration, never stored) and its certificate as
PEM; ``city_trusted_cas`` the CAs communes' PDF signatures chain to, one row per commune and CA
(unique on both). What an older intake kept in its instance folder (``city-pdf-cert/``,
``pdf-trust/<code>/``) is read into these tables by the app itself, once, where it exists
(wardapp/city/documents/signing.py, operations.trust_roots): a migration cannot know the passphrase.

Revision ID: 5b1e7d2c9a40
Revises: 0d35c0ffee05
Create Date: 2026-11-30 15:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "5b1e7d2c9a40"
down_revision = "0d35c0ffee05"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "city_signing_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=32), nullable=False),
        sa.Column("pkcs12", sa.LargeBinary(), nullable=False),
        sa.Column("certificate", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_city_signing_keys")),
        sa.UniqueConstraint("purpose", name=op.f("uq_city_signing_keys_purpose")),
    )
    op.create_table(
        "city_trusted_cas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("commune_code", sa.String(length=5), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("pem", sa.Text(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_city_trusted_cas")),
        sa.UniqueConstraint("commune_code", "fingerprint", name=op.f("uq_city_trusted_cas_commune_code")),
    )
    with op.batch_alter_table("city_trusted_cas", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_city_trusted_cas_commune_code"), ["commune_code"], unique=False)


def downgrade():
    with op.batch_alter_table("city_trusted_cas", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_city_trusted_cas_commune_code"))
    op.drop_table("city_trusted_cas")
    op.drop_table("city_signing_keys")

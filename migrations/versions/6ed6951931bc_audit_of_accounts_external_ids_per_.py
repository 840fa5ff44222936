"""audit of accounts, external ids per organisation

audit_event.target: the account an administrator acted on (role, activation, networks,
organisations), written as the actor is; such events have no SIRET (now nullable).
purchase_intention: an external id is unique per organisation for the buyers' own
sources (web, api) and per source for the files (template import, DECP), by two partial
unique indexes instead of one constraint on (source, external_id), which refused a buyer
a reference another buyer had used. Downgrading deletes the accounts' events and needs
no two organisations' intentions to share an external id.

Revision ID: 6ed6951931bc
Revises: c3f1a7d20e51
Create Date: 2026-12-04 01:40:32.948186

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6ed6951931bc'
down_revision = 'c3f1a7d20e51'
branch_labels = None
depends_on = None


BUYER_SOURCE = "source IN ('web', 'api')"


def upgrade():
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('target', sa.String(length=120), nullable=True))
        batch_op.alter_column('siret', existing_type=sa.String(length=14), nullable=True)
        batch_op.create_index(batch_op.f('ix_audit_event_target'), ['target'], unique=False)
    with op.batch_alter_table('purchase_intention', schema=None) as batch_op:
        batch_op.drop_constraint('uq_purchase_intention_source', type_='unique')
    op.create_index(
        'uq_purchase_intention_source_external_id',
        'purchase_intention',
        ['source', 'external_id'],
        unique=True,
        sqlite_where=sa.text(f"NOT ({BUYER_SOURCE})"),
        postgresql_where=sa.text(f"NOT ({BUYER_SOURCE})"),
    )
    op.create_index(
        'uq_purchase_intention_organisation_external_id',
        'purchase_intention',
        ['source', 'buyer_organisation_id', 'external_id'],
        unique=True,
        sqlite_where=sa.text(BUYER_SOURCE),
        postgresql_where=sa.text(BUYER_SOURCE),
    )


def downgrade():
    op.drop_index('uq_purchase_intention_organisation_external_id', table_name='purchase_intention')
    op.drop_index('uq_purchase_intention_source_external_id', table_name='purchase_intention')
    with op.batch_alter_table('purchase_intention', schema=None) as batch_op:
        batch_op.create_unique_constraint(
            'uq_purchase_intention_source', ['source', 'external_id']
        )
    op.execute("DELETE FROM audit_event WHERE siret IS NULL")
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_target'))
        batch_op.alter_column('siret', existing_type=sa.String(length=14), nullable=False)
        batch_op.drop_column('target')

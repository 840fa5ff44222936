"""matches: the directory state a run was computed on; one index by intention

match_run.directory_version: the state of the directory a result was computed on (a
result is stale when it differs, whatever the order changes committed in).
match_candidate: the unique constraint (intention_id, enterprise_id) already serves
lookups by intention (its first column); the separate intention_id index only slowed the
writes of a run (storing a match writes thousands of rows at 200,000 enterprises).

Revision ID: 5b7e0c3a91d2
Revises: 40d23c24a428
Create Date: 2026-11-22 08:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b7e0c3a91d2'
down_revision = '40d23c24a428'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('match_candidate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_match_candidate_intention_id'))
    with op.batch_alter_table('match_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('directory_version', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('match_run', schema=None) as batch_op:
        batch_op.drop_column('directory_version')
    with op.batch_alter_table('match_candidate', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_match_candidate_intention_id'), ['intention_id'], unique=False
        )

"""capacity: authorised places (the disabled workers an ESAT may employ)

capacity.authorised_places: the places an ESAT's authorisation allows (FINESS register,
granted by the ARS). A ceiling set by the authority, not a headcount: no existing column
means it (headcount_inclusion counts the workers actually employed).

Revision ID: c3f1a7d20e51
Revises: 5b7e0c3a91d2
Create Date: 2026-12-03 18:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3f1a7d20e51'
down_revision = '5b7e0c3a91d2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('capacity', schema=None) as batch_op:
        batch_op.add_column(sa.Column('authorised_places', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('capacity', schema=None) as batch_op:
        batch_op.drop_column('authorised_places')

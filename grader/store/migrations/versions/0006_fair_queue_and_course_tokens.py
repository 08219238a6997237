"""Fair queueing and course tokens: an index of submissions by student (fair claims and
per-student caps look a student's jobs up), and tokens that open one course only (what a
roster upload hands out).

Revision ID: 0006
Revises: 0005 (course tools)
Create Date: 2026-12-01 23:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    op.create_index('ix_submission_user', 'submissions', ['user_id'], unique=False)
    with op.batch_alter_table('tokens', schema=None) as batch_op:
        batch_op.add_column(sa.Column('course_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_tokens_course_id'), ['course_id'], unique=False)
        batch_op.create_foreign_key('fk_tokens_course_id', 'courses', ['course_id'], ['id'],
                                    ondelete='CASCADE')


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table('tokens', schema=None) as batch_op:
        batch_op.drop_constraint('fk_tokens_course_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_tokens_course_id'))
        batch_op.drop_column('course_id')
    op.drop_index('ix_submission_user', table_name='submissions')

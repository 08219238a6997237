"""Which submission counts: an assignment's ``submission_policy`` (latest, best, or chosen by
the student) and the students' chosen ("active") submissions; and the portal's one-time
flashes (a roster's tokens shown once after the form's redirect).

Revision ID: 0007
Revises: 0006 (fair queue and course tokens)
Create Date: 2026-12-02 02:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Apply this revision."""
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('submission_policy', sa.String(length=16),
                                      server_default='latest', nullable=False))
    op.create_table(
        'submission_choices',
        sa.Column('assignment_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('submission_id', sa.Integer(), nullable=False),
        sa.Column('chosen_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('assignment_id', 'user_id'),
    )
    with op.batch_alter_table('submission_choices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submission_choices_submission_id'),
                              ['submission_id'], unique=False)

    op.create_table(
        'web_flashes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('payload', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['session_id'], ['web_sessions.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('web_flashes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_flashes_session_id'), ['session_id'],
                              unique=False)


def downgrade() -> None:
    """Revert this revision."""
    with op.batch_alter_table('web_flashes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_flashes_session_id'))
    op.drop_table('web_flashes')
    with op.batch_alter_table('submission_choices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submission_choices_submission_id'))
    op.drop_table('submission_choices')
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_column('submission_policy')

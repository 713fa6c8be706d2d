"""Member organisations of the consortium."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from booking import limits
from booking.db_types import UTCDateTime, utcnow
from booking.extensions import db


class OrganisationKind(enum.StrEnum):
    SCHOOL = "school"
    ENTERPRISE = "enterprise"
    ASSOCIATION = "association"


class Organisation(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(limits.NAME_LENGTH), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(
        sa.Enum(OrganisationKind, native_enum=False, length=20,
                values_callable=lambda e: [m.value for m in e]))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    members: Mapped[list["User"]] = relationship(back_populates="organisation")  # noqa: F821
    resources: Mapped[list["Resource"]] = relationship(  # noqa: F821
        back_populates="organisation", foreign_keys="Resource.organisation_id")

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r}>"

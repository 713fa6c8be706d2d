"""Every model, importable from one place."""

from booking.models.audit import AuditEntry
from booking.models.booking import (OCCUPYING_STATUSES, Booking, BookingSeries,
                                    BookingStatus)
from booking.models.notification import (DECISION_KINDS, Itip, Kind, MailState, Notification,
                                         NotificationSetting)
from booking.models.ledger import Holiday, LedgerEntry, LedgerMonth, Term
from booking.models.organisation import Organisation, OrganisationKind
from booking.models.resource import (AvailabilityWindow, Closure, Resource, ResourceKind,
                                     resource_allowed_organisation)
from booking.models.tokens import (ApiToken, CalendarFeed, FeedScope, LoginSession,
                                   hash_secret, new_secret)
from booking.models.user import Role, User

__all__ = [
    "DECISION_KINDS", "OCCUPYING_STATUSES", "ApiToken", "AuditEntry", "Itip", "Kind", "MailState",
    "Notification", "NotificationSetting", "AvailabilityWindow", "Booking", "BookingSeries",
    "BookingStatus", "CalendarFeed", "Closure", "FeedScope", "Holiday", "LedgerEntry",
    "LedgerMonth", "LoginSession", "Organisation",
    "OrganisationKind", "Resource", "ResourceKind", "Role", "Term", "User", "hash_secret",
    "new_secret", "resource_allowed_organisation",
]

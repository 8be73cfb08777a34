import hashlib
import secrets
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("internal_role", User.InternalRole.ADMIN)
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person (or an integration's service account) who signs in with an email address.

    ``internal_role`` is set for the vendor's own staff; partner users have none and belong to
    partners through ``partners.PartnerMembership``.
    """

    class InternalRole(models.TextChoices):
        NONE = "", _("Partner user")
        CHANNEL_MANAGER = "cam", _("Channel account manager")
        PROGRAM_OPS = "ops", _("Program operations")
        ADMIN = "admin", _("Administrator")

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    internal_role = models.CharField(
        _("internal role"), max_length=10, choices=InternalRole.choices, blank=True, default=""
    )
    team = models.ForeignKey(
        "prm.ChannelTeam",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    is_service_account = models.BooleanField(
        _("service account"), default=False, help_text=_("Acts for an API key, never signs in.")
    )
    is_staff = models.BooleanField(_("staff status"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]

    def __str__(self):
        return self.full_name or self.email

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return (self.full_name or self.email).split(" ")[0]

    @property
    def is_internal(self) -> bool:
        return bool(self.internal_role)

    @property
    def is_channel_manager(self) -> bool:
        return self.internal_role == self.InternalRole.CHANNEL_MANAGER

    @property
    def is_program_ops(self) -> bool:
        """Ops and administrators see and run the whole program."""
        return self.internal_role in {self.InternalRole.PROGRAM_OPS, self.InternalRole.ADMIN}


class ChannelTeam(models.Model):
    """An internal team aligned to a partner segment (e.g. MSP team, SI alliances)."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    segment = models.CharField(_("segment"), max_length=200, blank=True)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("team lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_teams",
        help_text=_("Receives escalations for the team."),
    )
    business_models = models.JSONField(
        _("business models served"),
        default=list,
        blank=True,
        help_text=_("Partners of these business models are served by this team."),
    )

    class Meta:
        verbose_name = _("channel team")
        verbose_name_plural = _("channel teams")
        ordering = ["name"]

    def __str__(self):
        return self.name


class AuditEventQuerySet(models.QuerySet):
    def for_object(self, obj):
        return self.filter(
            content_type=ContentType.objects.get_for_model(obj), object_id=str(obj.pk)
        )


class AuditEvent(models.Model):
    """One row per state change: who did what to which object, from what to what, and why.

    Rows are append-only: ``save`` refuses updates and ``delete`` is refused.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    actor_label = models.CharField(_("actor label"), max_length=200, blank=True)
    verb = models.CharField(_("verb"), max_length=80)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=255)
    from_state = models.CharField(_("from"), max_length=40, blank=True)
    to_state = models.CharField(_("to"), max_length=40, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    rule = models.CharField(_("rule"), max_length=120, blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "created_at"])]

    def __str__(self):
        return f"{self.actor_label or 'system'} {self.verb} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit events are append-only.")


class Notification(models.Model):
    """An in-portal notification; the same event may also have been emailed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=60)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("time"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # Set for events a job may raise again until delivered (a reminder): one row per user.
    dedupe_key = models.CharField(max_length=200, blank=True, default="")

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at", "created_at"]),
            # ``prm.notifications.resolve``: the unread notifications linking to a page.
            models.Index(
                fields=["url"],
                condition=models.Q(read_at__isnull=True),
                name="notification_unread_url",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="uniq_notification_dedupe",
            )
        ]

    def __str__(self):
        return self.title


class NotificationPreference(models.Model):
    """A user's opt-out of one non-essential notification kind."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(_("kind"), max_length=60)
    email = models.BooleanField(_("by email"), default=True)
    in_portal = models.BooleanField(_("in the portal"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="uniq_notification_pref")
        ]

    def __str__(self):
        return f"{self.user} {self.kind}"


class EmailDelivery(models.Model):
    """One email to one address, written in the transaction that caused it and sent by a task.

    The row is the outbox: the task retries on mail server errors, records every attempt, and
    never sends a row that is already ``sent``. ``on_sent`` names a callback (see
    ``prm.notifications.delivery_callback``) run once the mail is out, e.g. to mark a reminder
    as sent only when it really was.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    recipient = models.EmailField(_("recipient"), max_length=254)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="email_deliveries",
    )
    kind = models.CharField(_("kind"), max_length=60, blank=True)
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("body"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    dedupe_key = models.CharField(max_length=200, blank=True, default="")
    on_sent = models.CharField(max_length=200, blank=True)
    on_sent_args = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("email delivery")
        verbose_name_plural = _("email deliveries")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "updated_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=~models.Q(dedupe_key=""),
                name="uniq_email_delivery_dedupe",
            )
        ]

    def __str__(self):
        return f"{self.recipient}: {self.subject}"


def hash_api_secret(secret: str) -> str:
    # The secret has 256 bits of entropy, so a fast hash is enough and keeps lookups cheap.
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiKey(models.Model):
    """An integration's credential. Only a hash is stored; the key is shown once at creation.

    The key acts as its ``principal``, a service account, so the same selectors scope what it
    may see: a key bound to one partner has a principal who is a member of that partner.
    """

    class Scope(models.TextChoices):
        PARTNERS_READ = "partners:read", _("Partners: read")
        PARTNERS_WRITE = "partners:write", _("Partners: write")
        DEALS_READ = "deals:read", _("Deals and leads: read")
        DEALS_WRITE = "deals:write", _("Deals and leads: write")
        ENABLEMENT_READ = "enablement:read", _("Enablement: read")
        ENABLEMENT_WRITE = "enablement:write", _("Enablement: write")
        MDF_READ = "mdf:read", _("MDF: read")
        MDF_WRITE = "mdf:write", _("MDF: write")
        SCORECARDS_READ = "scorecards:read", _("Scorecards: read")
        SCORECARDS_WRITE = "scorecards:write", _("Scorecards and tier reviews: write")
        WEBHOOKS_READ = "webhooks:read", _("Webhooks: read")
        WEBHOOKS_WRITE = "webhooks:write", _("Webhooks: write")
        PROGRAM_READ = (
            "program:read",
            _("Program configuration (exchange rates, lead routing): read"),
        )
        PROGRAM_WRITE = "program:write", _("Program configuration: write")

    name = models.CharField(_("name"), max_length=120)
    prefix = models.CharField(_("prefix"), max_length=12, unique=True, editable=False)
    hashed_secret = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    principal = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("acts as"),
        on_delete=models.PROTECT,
        related_name="api_keys",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    # Rotation: the old key keeps working until ``expires_at`` so that an integration can
    # switch to ``replaced_by`` without downtime. A key without ``expires_at`` does not expire.
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    replaced_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Requests per minute; empty means the program default (``PRM_API_RATE_LIMIT``).
    rate_limit = models.PositiveIntegerField(
        _("requests per minute"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100_000)],
    )

    class Meta:
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @staticmethod
    def generate() -> tuple[str, str, str]:
        """Return (full key, prefix, hash). The full key is ``prm_<prefix>.<secret>``."""
        prefix = secrets.token_hex(4)
        secret = secrets.token_urlsafe(32)
        return f"prm_{prefix}.{secret}", prefix, hash_api_secret(secret)

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class IdempotencyRecord(models.Model):
    """The first answer to a creating API request, replayed for the same ``Idempotency-Key``.

    The row is written first as a claim ("in flight": no answer yet, ``completed_at`` empty) and
    completed with the answer in the transaction of the work; see ``prm.api.idempotency``.
    """

    key = models.CharField(max_length=200)
    principal = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    endpoint = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["principal", "endpoint", "key"], name="uniq_idempotency_key"
            )
        ]

    def __str__(self):
        return self.key


# Models kept in their own packages, registered with this app.
from .currency.models import ExchangeRate  # noqa: E402, F401

"""Portal forms. They parse and check input; the rules themselves live in ``services.py``."""

from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from prm.columns import ColumnBoundForm
from prm.countries import country_choices, is_country_code
from prm.models import User
from prm.text import NameFormField

from . import selectors
from .models import (
    Application,
    BusinessModel,
    CompensationPreference,
    Office,
    Partner,
    PartnerMembership,
    Qualification,
    Region,
    Tier,
)
from .recruitment import selectors as recruitment

SCORE_CHOICES = [(n, str(n)) for n in range(1, 6)]


def clean_country_code(value: str) -> str:
    code = (value or "").strip().upper()
    if len(code) != 2 or not code.isalpha():
        raise ValidationError(
            _("Use the two-letter country code, e.g. US, DE or SG."), code="country_format"
        )
    if not is_country_code(code):
        raise ValidationError(
            _("%(code)s is not a country code we know. Use ISO codes such as GB (not UK)."),
            code="country_unknown",
            params={"code": code},
        )
    return code


LIST_ITEMS = 50
LIST_ITEM_LENGTH = 120


def split_list(value: str) -> list[str]:
    """Comma- or line-separated text to a clean list, keeping the order and dropping repeats
    ("Healthcare" after "healthcare" is a repeat). At most ``LIST_ITEMS`` items of
    ``LIST_ITEM_LENGTH`` characters each, or a ``ValidationError`` says which rule is broken."""
    items = [" ".join(item.split()) for item in value.replace("\n", ",").split(",")]
    kept: dict[str, str] = {}
    for item in items:
        if item:
            kept.setdefault(item.casefold(), item)
    if len(kept) > LIST_ITEMS:
        raise ValidationError(
            _("At most %(n)d entries."), code="too_many", params={"n": LIST_ITEMS}
        )
    if any(len(item) > LIST_ITEM_LENGTH for item in kept.values()):
        raise ValidationError(
            _("Keep each entry to %(n)d characters."),
            code="too_long",
            params={"n": LIST_ITEM_LENGTH},
        )
    return list(kept.values())


class CompanyFactsMixin:
    """The cleaning an organisation's facts share on the application and the profile forms: the
    headquarters as a country code, sectors and stack as clean lists."""

    cleaned_data: dict

    def clean_hq_country(self):
        return clean_country_code(self.cleaned_data["hq_country"])

    def clean_target_sectors(self):
        return split_list(self.cleaned_data["target_sectors"])

    def clean_solution_stack(self):
        return split_list(self.cleaned_data["solution_stack"])


class ApplicationForm(CompanyFactsMixin, ColumnBoundForm):
    """The public "become a partner" form."""

    column_models = (Application, Partner)
    column_exempt = ("hq_country",)

    legal_name = NameFormField(label=_("Company legal name"), max_length=200)
    display_name = NameFormField(
        label=_("Trading name"),
        max_length=120,
        required=False,
        help_text=_("How customers know you, if different from the legal name."),
    )
    website = forms.URLField(
        label=_("Website"), assume_scheme="https", help_text=_("e.g. https://example.com")
    )
    # A list of names to choose from; the code it posts is checked as any code is (the API
    # takes the code itself).
    hq_country = forms.CharField(label=_("Headquarters country"), widget=forms.Select)
    regions_served = forms.MultipleChoiceField(
        label=_("Regions you serve"), choices=Region.choices, widget=forms.CheckboxSelectMultiple
    )
    business_model = forms.ChoiceField(
        label=_("Business model"),
        choices=[("", _("Choose how you go to market")), *BusinessModel.choices],
    )
    compensation_preference = forms.ChoiceField(
        label=_("How would you like to be paid?"),
        choices=CompensationPreference.choices,
        initial=CompensationPreference.RESALE_MARGIN,
    )
    target_sectors = forms.CharField(
        label=_("Sectors you sell to"),
        required=False,
        help_text=_("Comma-separated, e.g. healthcare, retail, public sector."),
    )
    solution_stack = forms.CharField(
        label=_("Products you sell or support today"),
        required=False,
        help_text=_("Comma-separated."),
    )
    customer_count = forms.IntegerField(
        label=_("Number of active customers"), min_value=0, max_value=10_000_000
    )
    technical_staff = forms.IntegerField(
        label=_("Technical staff (engineers, consultants)"), min_value=0, max_value=1_000_000
    )
    executive_sponsor = NameFormField(
        label=_("Executive sponsor"),
        max_length=150,
        required=False,
        help_text=_("The executive who will own the partnership, with their title."),
    )
    contact_name = NameFormField(label=_("Your name"), max_length=150)
    contact_title = NameFormField(label=_("Your job title"), max_length=120, required=False)
    contact_email = forms.EmailField(
        label=_("Your work email"),
        help_text=_("We send the invitation to this address if the application is approved."),
    )
    message = forms.CharField(
        label=_("Why do you want to partner with us?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=4000,
    )
    # A field people never see: bots fill every input they find.
    fax_number = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hq_country"].widget.choices = [("", "—"), *country_choices()]

    def clean_contact_email(self):
        email = self.cleaned_data["contact_email"].strip().lower()
        if recruitment.pending_application_for_email(email):
            raise ValidationError(
                _("An application from this address is already waiting for review."),
                code="duplicate_application",
            )
        return email

    @property
    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("fax_number"))

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("fax_number", None)
        data["display_name"] = data["display_name"] or data["legal_name"]
        domain = data["contact_email"].rsplit("@", 1)[-1]
        data["domains"] = [domain]
        return data


class QualificationForm(forms.Form):
    """Scale / Skill / Will, 1–5 each, with notes, OPP fit traits and willingness to engage."""

    scale = forms.TypedChoiceField(
        label=_("Scale (customer base)"),
        choices=SCORE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    scale_notes = forms.CharField(
        label=_("Scale notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    skill = forms.TypedChoiceField(
        label=_("Skill (technical alignment)"),
        choices=SCORE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    skill_notes = forms.CharField(
        label=_("Skill notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    will = forms.TypedChoiceField(
        label=_("Will (executive commitment)"),
        choices=SCORE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
    )
    will_notes = forms.CharField(
        label=_("Will notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    opp_traits = forms.MultipleChoiceField(
        label=_("Optimal partner profile fit"),
        choices=Qualification.OppTrait.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    willingness_to_engage = forms.TypedChoiceField(
        label=_("Willingness to engage"),
        choices=SCORE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("1: hard to reach · 5: eager to build a joint plan."),
    )


class ApproveApplicationForm(forms.Form):
    channel_manager = forms.ModelChoiceField(
        label=_("Channel account manager"),
        queryset=User.objects.none(),
        required=False,
        help_text=_("Left empty, a reviewing channel manager takes the partner."),
    )
    tier = forms.ModelChoiceField(
        label=_("Starting tier"), queryset=Tier.objects.order_by("rank"), required=False
    )
    reason = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["channel_manager"].queryset = selectors.channel_managers()


class DeclineApplicationForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sent to the applicant."),
    )


class InvitationAcceptForm(forms.Form):
    """A new person sets their name and password; Django's password validators apply."""

    full_name = NameFormField(label=_("Full name"), max_length=150)
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            candidate = User(email=self.email, full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(first, candidate)
            except ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class ExistingAccountAcceptForm(forms.Form):
    """Someone who already has an account proves it with their password before joining."""

    password = forms.CharField(
        label=_("Your current password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self):
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError(_("That password is not correct."), code="wrong_password")
        return password


class InviteUserForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    role = forms.ChoiceField(
        label=_("Role"),
        choices=PartnerMembership.Role.choices,
        initial=PartnerMembership.Role.REP,
    )
    office = forms.ModelChoiceField(
        label=_("Office"),
        queryset=Office.objects.none(),
        required=False,
        empty_label=_("No office"),
    )
    # Offered once the address turns out to belong to another partner.
    invite_anyway = forms.BooleanField(
        label=_("Invite anyway: this person may work for both organisations"), required=False
    )

    def __init__(self, *args, partner: Partner, **kwargs):
        super().__init__(*args, **kwargs)
        self.needs_confirmation = bool(self.data.get(self.add_prefix("invite_anyway")))
        # Only this partner's offices: an office id from another partner is "not a choice".
        self.fields["office"].queryset = partner.offices.order_by("name")

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class PartnerProfileForm(CompanyFactsMixin, forms.Form):
    """The organisation's profile: the fields the user may change (``profile.profile_fields_for``),
    filled in with today's values."""

    legal_name = NameFormField(label=_("Legal name"), max_length=200)
    display_name = NameFormField(
        label=_("Trading name"), max_length=120, help_text=_("How customers know you.")
    )
    website = forms.URLField(
        label=_("Website"), assume_scheme="https", required=False, max_length=200
    )
    hq_country = forms.CharField(label=_("Headquarters country"), widget=forms.Select)
    business_model = forms.ChoiceField(
        label=_("Business model"),
        choices=BusinessModel.choices,
        help_text=_("Commissions: deals closed from today on; earlier deals keep their terms."),
    )
    compensation_preference = forms.ChoiceField(
        label=_("Compensation"),
        choices=CompensationPreference.choices,
        help_text=_("Commissions: deals closed from today on; earlier deals keep their terms."),
    )
    regions_served = forms.MultipleChoiceField(
        label=_("Regions served"), choices=Region.choices, widget=forms.CheckboxSelectMultiple
    )
    target_sectors = forms.CharField(
        label=_("Sectors you sell to"),
        required=False,
        help_text=_("Comma-separated, e.g. healthcare, retail, public sector."),
    )
    solution_stack = forms.CharField(
        label=_("Products you sell or support"), required=False, help_text=_("Comma-separated.")
    )

    def __init__(self, *args, partner: Partner, fields: tuple[str, ...], **kwargs):
        self.current = {name: getattr(partner, name) for name in fields}
        initial = {
            name: ", ".join(value or []) if name in ("target_sectors", "solution_stack") else value
            for name, value in self.current.items()
        }
        super().__init__(*args, initial=initial, **kwargs)
        for name in set(self.fields) - set(fields):
            del self.fields[name]
        if "hq_country" in self.fields:
            self.fields["hq_country"].widget.choices = country_choices()

    @property
    def changes(self) -> dict:
        """The fields whose value differs from the stored one."""
        return {
            name: value for name, value in self.cleaned_data.items() if value != self.current[name]
        }


class MemberForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=PartnerMembership.Role.choices)
    office = forms.ModelChoiceField(
        label=_("Office"),
        queryset=Office.objects.none(),
        required=False,
        empty_label=_("No office"),
    )

    def __init__(self, *args, membership: PartnerMembership, **kwargs):
        initial = {"role": membership.role, "office": membership.office_id}
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["office"].queryset = membership.partner.offices.order_by("name")


# Statuses ops set by hand; the others follow from the recruitment flow (approval, agreement).
MANUAL_STATUS_TARGETS = {
    Partner.Status.ACTIVE: _("Reactivate"),
    Partner.Status.SUSPENDED: _("Suspend"),
    Partner.Status.TERMINATED: _("Terminate"),
}


class PartnerStatusForm(forms.Form):
    to = forms.ChoiceField(label=_("Change status"))
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Recorded in the audit trail and visible to the partner."),
    )

    def __init__(self, *args, partner: Partner, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = status_choices_for(partner)


def status_choices_for(partner: Partner) -> list[tuple[str, str]]:
    allowed = Partner.allowed_targets(partner.status)
    return [
        (str(value), label) for value, label in MANUAL_STATUS_TARGETS.items() if value in allowed
    ]


class PartnerTierForm(forms.Form):
    tier = forms.ModelChoiceField(
        label=_("New tier"),
        queryset=Tier.objects.order_by("rank"),
        required=False,
        empty_label=_("No tier"),
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, partner: Partner, **kwargs):
        super().__init__(*args, **kwargs)
        self.partner = partner

    def clean(self):
        cleaned = super().clean()
        if "tier" in cleaned and cleaned["tier"] == self.partner.tier:
            self.add_error("tier", _("The partner is already in this tier."))
        return cleaned

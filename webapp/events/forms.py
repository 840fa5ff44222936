"""Forms of the events' public, organising and registration pages. Each form checks its
values one by one; the rules between values are the services' (``organising.problems``)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    EmailField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    AnyOf,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from webapp.events import queries
from webapp.events.organising import (
    BREAKS_MAX,
    EVENT_FIELDS,
    MAX_TABLES,
    EventData,
    parse_breaks,
)
from webapp.extensions import db
from webapp.models.events import EVENT_TITLE_MAX, PITCH_MAX

DESCRIPTION_MAX = 20_000
# The HTML date input sends ISO dates; people type French ones.
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]
TIME_FORMATS = ["%H:%M", "%H:%M:%S", "%Hh%M"]
MAX_CAP = 100
MAX_EXPIRY_DAYS = 60

KIND_LABELS = {
    "forum": _l("Forum de l'achat inclusif"),
    "open_day": _l("Portes ouvertes"),
    "meetings": _l("Rendez-vous acheteurs – fournisseurs"),
}
STATUS_LABELS = {"draft": _l("Brouillon"), "published": _l("Publié"), "closed": _l("Clôturé")}
AUDIENCE_LABELS = {
    "buyers": _l("Acheteurs"),
    "enterprises": _l("Entreprises"),
    "both": _l("Acheteurs et entreprises"),
}
MODE_LABELS = {
    "approval": _l("Validées par les organisateurs"),
    "automatic": _l("Acceptées automatiquement"),
}
REQUEST_MODE_LABELS = {
    "approval": _l("Acceptées ou refusées par la personne sollicitée"),
    "automatic": _l("Acceptées automatiquement"),
}
PARTICIPANT_KIND_LABELS = {"buyer": _l("Acheteur"), "enterprise": _l("Entreprise")}
PARTICIPANT_STATUS_LABELS = {
    "pending": _l("En attente"),
    "accepted": _l("Acceptée"),
    "refused": _l("Refusée"),
    "cancelled": _l("Annulée"),
}
DATE_HELP = _l("JJ/MM/AAAA")


def _stripped(value):
    return value.strip() if isinstance(value, str) else value


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(k, v) for k, v in labels.items()]


def _web_link(form, field) -> None:
    if not field.data:
        return
    parts = urlsplit(field.data)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in field.data:
        raise ValidationError(_l("Un lien commençant par http:// ou https:// est attendu."))


def _breaks(form, field) -> None:
    try:
        parse_breaks(field.data)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


class EventForm(FlaskForm):
    title = StringField(
        _l("Titre"),
        validators=[InputRequired(), Length(max=EVENT_TITLE_MAX)],
        filters=[_stripped],
    )
    kind = SelectField(_l("Type d'événement"), choices=_choices(KIND_LABELS), default="meetings")
    description = TextAreaField(
        _l("Présentation"),
        validators=[Optional(), Length(max=DESCRIPTION_MAX)],
        filters=[_stripped],
        description=_l("Markdown accepté : **gras**, listes, liens."),
    )
    starts_on = DateField(
        _l("Premier jour"), format=DATE_FORMATS, validators=[InputRequired()], description=DATE_HELP
    )
    ends_on = DateField(
        _l("Dernier jour"),
        format=DATE_FORMATS,
        validators=[Optional()],
        description=_l("JJ/MM/AAAA ; vide : un seul jour."),
    )
    commune = StringField(
        _l("Commune"),
        validators=[Optional(), Length(max=120)],
        filters=[_stripped],
        description=_l("Code INSEE (59350) ou nom (Lille, Saint-Denis (93))."),
    )
    address = StringField(
        _l("Adresse"), validators=[Optional(), Length(max=255)], filters=[_stripped]
    )
    online_url = StringField(
        _l("Lien de la visioconférence"),
        validators=[Optional(), Length(max=500), _web_link],
        filters=[_stripped],
    )
    registration_opens_on = DateField(
        _l("Ouverture des inscriptions"),
        format=DATE_FORMATS,
        validators=[Optional()],
        description=DATE_HELP,
    )
    registration_closes_on = DateField(
        _l("Clôture des inscriptions"),
        format=DATE_FORMATS,
        validators=[Optional()],
        description=DATE_HELP,
    )
    audience = SelectField(_l("Public invité"), choices=_choices(AUDIENCE_LABELS), default="both")
    meetings_start = TimeField(
        _l("Début des rendez-vous"),
        format=TIME_FORMATS,
        validators=[Optional()],
        description=_l("HH:MM, chaque jour"),
    )
    meetings_end = TimeField(
        _l("Fin des rendez-vous"),
        format=TIME_FORMATS,
        validators=[Optional()],
        description=_l("HH:MM, chaque jour"),
    )
    slot_minutes = SelectField(
        _l("Durée d'un créneau"),
        choices=[SelectChoice(n, _l("%(n)s minutes", n=n)) for n in (15, 20, 30)],
        coerce=int,
        default=20,
    )
    breaks = StringField(
        _l("Pauses"),
        validators=[Optional(), Length(max=BREAKS_MAX), _breaks],
        filters=[_stripped],
        description=_l("Par exemple : 12:00-13:30, 15:30-15:45"),
    )
    table_count = IntegerField(
        _l("Nombre de tables"),
        validators=[Optional(), NumberRange(min=0, max=MAX_TABLES)],
    )
    table_names = TextAreaField(
        _l("Noms des tables"),
        validators=[Optional(), Length(max=MAX_TABLES * 82)],
        description=_l("Un nom par ligne (facultatif : « Table 1 », « Table 2 »… sinon)."),
    )
    buyer_cap = IntegerField(
        _l("Rendez-vous au plus par acheteur"),
        validators=[Optional(), NumberRange(min=1, max=MAX_CAP)],
    )
    enterprise_cap = IntegerField(
        _l("Rendez-vous au plus par entreprise"),
        validators=[Optional(), NumberRange(min=1, max=MAX_CAP)],
    )
    registration_mode = SelectField(
        _l("Inscriptions"), choices=_choices(MODE_LABELS), default="approval"
    )
    request_mode = SelectField(
        _l("Demandes de rendez-vous"), choices=_choices(REQUEST_MODE_LABELS), default="approval"
    )
    request_expiry_days = IntegerField(
        _l("Délai de réponse aux demandes (jours)"),
        default=7,
        validators=[InputRequired(), NumberRange(min=1, max=MAX_EXPIRY_DAYS)],
    )
    co_network = SelectField(_l("Co-organisateur"), choices=[], validate_choice=False)

    def __init__(self, *args, networks=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.co_network.choices = [SelectChoice("", _l("— aucun —"))] + [
            SelectChoice(str(n.id), n.brand or n.name) for n in networks
        ]
        self._networks = {str(n.id): n for n in networks}
        self.commune_code: str | None = None

    def validate_co_network(self, field) -> None:
        if field.data and field.data not in self._networks:
            raise ValidationError(_l("Choisissez un réseau de la liste."))

    def validate_commune(self, field) -> None:
        """The commune named, resolved in the reference table (a code, a name)."""
        if not field.data:
            self.commune_code = None
            return
        found = queries.find_communes(db.session, field.data)
        if not found:
            raise ValidationError(_l("Commune inconnue : donnez son nom ou son code INSEE."))
        if len(found) > 1:
            names = ", ".join(c.label for c in found[:5])
            raise ValidationError(
                _(
                    "Plusieurs communes portent ce nom (%(names)s) : précisez le département, "
                    "par exemple « Saint-Denis (93) ».",
                    names=names,
                )
            )
        self.commune_code = found[0].insee

    def data_of(self) -> EventData:
        """The values read, for the organising service."""
        names = (self.table_names.data or "").splitlines()
        return EventData(
            title=self.title.data,
            kind=self.kind.data,
            description=self.description.data or None,
            starts_on=self.starts_on.data,
            ends_on=self.ends_on.data or self.starts_on.data,
            commune_code=self.commune_code,
            address=self.address.data or None,
            online_url=self.online_url.data or None,
            registration_opens_on=self.registration_opens_on.data,
            registration_closes_on=self.registration_closes_on.data,
            audience=self.audience.data,
            meetings_start=self.meetings_start.data,
            meetings_end=self.meetings_end.data,
            slot_minutes=self.slot_minutes.data,
            breaks=self.breaks.data or "",
            table_count=self.table_count.data,
            table_names=[n for n in names if n.strip()],
            buyer_cap=self.buyer_cap.data,
            enterprise_cap=self.enterprise_cap.data,
            registration_mode=self.registration_mode.data,
            request_mode=self.request_mode.data,
            request_expiry_days=self.request_expiry_days.data,
            co_network=self._networks.get(self.co_network.data or ""),
        )

    def fill_from(self, event) -> None:
        """The event's values in the form (a GET of the edit page)."""
        for name in EVENT_FIELDS:
            getattr(self, name).data = getattr(event, name)
        self.commune.data = queries.commune_label(db.session, event.commune_code) or (
            event.commune_code or ""
        )
        self.co_network.data = str(event.co_network_id) if event.co_network_id else ""
        self.table_count.data = len(event.tables)
        self.table_names.data = "\n".join(t.name for t in event.tables)


class ActionForm(FlaskForm):
    """A button that POSTs (publish, close, cancel): only its CSRF token."""


class DecisionForm(FlaskForm):
    decision = StringField(validators=[InputRequired(), AnyOf(("accept", "refuse"))])


class ParticipantFilterForm(FlaskForm):
    class Meta:
        csrf = False

    status = SelectField(
        _l("Statut"),
        choices=[SelectChoice("", _l("Tous"))] + _choices(PARTICIPANT_STATUS_LABELS),
        validators=[Optional()],
    )
    kind = SelectField(
        _l("Type"),
        choices=[SelectChoice("", _l("Tous"))] + _choices(PARTICIPANT_KIND_LABELS),
        validators=[Optional()],
    )


def _pitch_field(label):
    return TextAreaField(
        label,
        validators=[Optional(), Length(max=PITCH_MAX)],
        filters=[_stripped],
        description=_l("%(n)s caractères au plus.", n=PITCH_MAX),
    )


class BuyerRegistrationForm(FlaskForm):
    organisation = SelectField(_l("Organisation"), choices=[], coerce=int)
    intentions = SelectMultipleField(
        _l("Intentions d'achat pour lesquelles vous venez"),
        choices=[],
        coerce=int,
        validators=[Optional()],
    )
    pitch = _pitch_field(_l("Ce que je recherche"))


class EnterpriseRegistrationForm(FlaskForm):
    enterprise = SelectField(_l("Entreprise"), choices=[], coerce=int)
    pitch = _pitch_field(_l("Ce que je propose"))


class ParticipationForm(FlaskForm):
    unavailable = SelectMultipleField(
        _l("Créneaux où je ne suis pas disponible"),
        choices=[],
        coerce=int,
        validators=[Optional()],
    )
    intentions = SelectMultipleField(
        _l("Intentions d'achat pour lesquelles vous venez"),
        choices=[],
        coerce=int,
        validators=[Optional()],
    )
    pitch = _pitch_field(_l("Présentation"))


class MemberForm(FlaskForm):
    """An organiser registers a member enterprise: by SIRET or from the list."""

    enterprise = SelectField(_l("Entreprise membre"), choices=[], validators=[Optional()])
    siret = StringField(
        _l("ou son SIRET"),
        validators=[Optional(), Length(max=20)],
        filters=[lambda v: v.replace(" ", "") if isinstance(v, str) else v],
    )
    contact_email = EmailField(
        _l("Courriel de contact (facultatif)"),
        validators=[Optional(), Email(), Length(max=254)],
        filters=[_stripped],
        description=_l("Sinon, les personnes qui gèrent la fiche de l'entreprise."),
    )
    pitch = _pitch_field(_l("Ce que l'entreprise propose"))

    def validate_siret(self, field) -> None:
        if not field.data and not self.enterprise.data:
            raise ValidationError(_l("Choisissez une entreprise ou donnez son SIRET."))
        if field.data and not (field.data.isdigit() and len(field.data) == 14):
            raise ValidationError(_l("Un SIRET a 14 chiffres."))


class RegistrationImportForm(FlaskForm):
    file = FileField(
        _l("Fichier des inscriptions (CSV ou XLSX)"),
        validators=[FileRequired(_l("Choisissez un fichier."))],
        description=_l(
            "Colonnes : SIRET (obligatoire), Courriel, Présentation. Une entreprise de "
            "l'annuaire par son SIRET ; un acheteur par le SIRET de son organisation et le "
            "courriel de son compte."
        ),
    )


class InvitationForm(FlaskForm):
    enterprises = SelectMultipleField(
        _l("Entreprises à inviter"), choices=[], coerce=int, validators=[Optional()]
    )

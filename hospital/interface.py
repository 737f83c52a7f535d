"""What the dialogue needs from the hospital's systems (HIS scheduling, patient index,
LIS lab, RIS/PACS imaging), as one interface. The SQLAlchemy mock in `sql.py` is one
implementation; a real integration implements the same methods.

Every method that touches a patient's record takes the card number of a patient the
caller has already verified; implementations still check that the record belongs to
that card, and audit every read of a record with the conversation that asked
(`conversation_id`, the Rasa sender id).
"""

from __future__ import annotations

import abc
import datetime as dt
from dataclasses import dataclass, field
from typing import List, Optional, Sequence, Tuple

PERIODS = ("上午", "下午", "夜间")
NUMBER_TYPES = ("普通号", "专家号", "特需号")
TITLES = ("主任医师", "副主任医师", "主治医师")


# Every case a patient may be told about: `code`, or `code_reason` where one code covers
# several cases. The wording is the domain response `utter_hospital_error_<key>`
# (domain.yml); an implementation raises these keys and never writes the sentence.
ERROR_KEYS = (
    "error",
    "unavailable",
    "taken",
    "not_found",
    "not_found_card",
    "not_found_session",
    "not_found_appointment",
    "not_found_reminder",
    "not_found_lab_order",
    "not_found_exam",
    "not_found_ticket",
    "no_slots",
    "duplicate",
    "duplicate_same_slot",
    "one_per_department_day",
    "session_closed",
    "session_closed_not_open_yet",
    "past",
    "past_reminder",
    "not_released",
    "not_cancellable",
    "not_cancellable_cancelled",
    "not_cancellable_rescheduled",
    "not_cancellable_attended",
    "not_cancellable_started",
    "not_cancellable_reminder",
)


class HospitalError(Exception):
    """Base of every error the hospital systems raise. `code` is stable for dialogue
    code to branch on; `reason` tells apart the cases of one code; `params` fill the
    placeholders of the patient's reply (`key` names it, see ERROR_KEYS). `message`
    describes the error for logs and staff, not for patients."""

    code = "error"

    def __init__(self, message: str = "", code: Optional[str] = None, *, reason: Optional[str] = None, **params):
        super().__init__(message or code or self.code)
        self.message = message or code or self.code
        if code:
            self.code = code
        self.reason = reason
        self.params = params

    @property
    def key(self) -> str:
        """The most specific of code_reason, code, "error" that ERROR_KEYS knows."""
        for key in (f"{self.code}_{self.reason}" if self.reason else None, self.code):
            if key in ERROR_KEYS:
                return key
        return "error"


class SystemUnavailable(HospitalError):
    """The backing system (database) failed: nothing was changed."""

    code = "unavailable"


class NotFound(HospitalError):
    """reasons: card, session, appointment, reminder, lab_order, exam, ticket"""

    code = "not_found"


class HandoffTaken(HospitalError):
    code = "taken"


class BookingRejected(HospitalError):
    """codes: no_slots, duplicate, one_per_department_day, session_closed, past,
    not_released, not_cancellable (reasons in ERROR_KEYS)"""

    code = "rejected"


@dataclass(frozen=True)
class Department:
    code: str
    name: str  # e.g. 心血管内科
    category: str  # 内科 / 外科 / 妇儿 / 五官 / 医技 / 其他 ...
    building: str  # e.g. 门诊楼
    floor: str  # e.g. 3楼B区
    description: str
    aliases: Tuple[str, ...] = ()  # e.g. 心内科

    @property
    def location(self) -> str:
        return f"{self.building}{self.floor}"


@dataclass(frozen=True)
class Doctor:
    id: int
    name: str
    title: str  # one of TITLES
    department: str  # Department.name
    specialties: str
    bio: str


@dataclass(frozen=True)
class ClinicSession:
    id: int
    doctor_id: int
    doctor_name: str
    doctor_title: str
    department: str
    date: dt.date
    period: str  # one of PERIODS
    number_type: str  # one of NUMBER_TYPES
    fee: float  # yuan
    capacity: int
    booked: int
    location: str

    @property
    def remaining(self) -> int:
        return max(self.capacity - self.booked, 0)


@dataclass(frozen=True)
class Patient:
    card_no: str
    name: str
    sex: str  # 男 / 女
    birth_date: dt.date

    def age_on(self, day: dt.date) -> float:
        return (day - self.birth_date).days / 365.25


@dataclass(frozen=True)
class Appointment:
    number: str  # appointment number shown to the patient
    card_no: str
    session: ClinicSession
    status: str  # booked / cancelled / rescheduled / attended
    created_at: dt.datetime
    queue_no: int
    precheck: dict = field(default_factory=dict)  # pre-consultation summary from triage


@dataclass(frozen=True)
class Reminder:
    id: int
    kind: str  # appointment (the day before a visit) / custom (asked for by the patient)
    due_at: dt.datetime
    state: str  # pending / sending / sent / cancelled
    conversation_id: Optional[str]  # where the chat reminder goes; None: SMS only
    note: str = ""  # custom: what to remind of, in the patient's words
    appointment: Optional[Appointment] = None  # appointment: the visit


@dataclass(frozen=True)
class VerificationResult:
    ok: bool
    # ok / wrong (also an unknown card, or no valid code) / locked /
    # code_required (phone digits after a code was sent in this conversation)
    reason: str
    attempts_left: int = 0
    locked_until: Optional[dt.datetime] = None


@dataclass(frozen=True)
class CodeRequest:
    sent: bool  # True also for an unknown card: the caller cannot tell the difference
    reason: str  # sent / wait (asked too often) / locked
    until: Optional[dt.datetime] = None  # when to ask again (wait, locked)


@dataclass(frozen=True)
class LabResult:
    code: str  # analyte code, e.g. WBC
    name: str  # e.g. 白细胞计数
    value: float
    unit: str
    ref_low: Optional[float]
    ref_high: Optional[float]
    flag: str  # "↑", "↓" or ""
    critical: bool


@dataclass(frozen=True)
class LabOrder:
    id: str
    panel: str  # e.g. 血常规
    department: str  # ordering department
    ordered_at: dt.datetime
    status: str  # pending / ready
    expected_at: Optional[dt.datetime]
    reported_at: Optional[dt.datetime]
    results: Tuple[LabResult, ...] = ()


@dataclass(frozen=True)
class ImagingExam:
    id: str
    modality: str  # CT / MRI / 超声 / X线 / 胃镜 ...
    body_part: str
    scheduled_at: dt.datetime
    location: str
    preparation: str
    status: str  # scheduled / pending_report / ready
    expected_at: Optional[dt.datetime]
    conclusion: Optional[str]


@dataclass(frozen=True)
class HandoffTicket:
    id: int
    conversation_id: str
    reason: str
    summary: str
    status: str  # open / closed
    created_at: dt.datetime
    taken_by: Optional[str] = None  # the staff member who took it (staff console)
    taken_at: Optional[dt.datetime] = None


class HospitalSystems(abc.ABC):
    def dispose(self) -> None:
        """Release connections and threads when the process is done with the hospital."""

    # --- catalogue -------------------------------------------------------------
    @abc.abstractmethod
    def departments(self) -> List[Department]: ...

    @abc.abstractmethod
    def find_department(self, text: str) -> Optional[Department]:
        """By exact name or alias (心内科 → 心血管内科); None when unknown."""

    @abc.abstractmethod
    def doctors(self, department: Optional[str] = None) -> List[Doctor]: ...

    @abc.abstractmethod
    def find_doctors(self, text: str) -> List[Doctor]:
        """By full name, or by surname ("李医生", "李") giving every match."""

    # --- schedule ---------------------------------------------------------------
    @abc.abstractmethod
    def schedule_window(self) -> Tuple[dt.date, dt.date]:
        """First and last day that can be booked (today .. today+13)."""

    @abc.abstractmethod
    def closed_reason(self, day: dt.date) -> Optional[str]:
        """Name of the public holiday when outpatients are closed that day, else None."""

    @abc.abstractmethod
    def sessions(
        self,
        department: Optional[str] = None,
        doctor_id: Optional[int] = None,
        start: Optional[dt.date] = None,
        end: Optional[dt.date] = None,
        period: Optional[str] = None,
        number_type: Optional[str] = None,
        only_available: bool = False,
    ) -> List[ClinicSession]:
        """Sessions inside the window, ordered by date, period, number type, doctor."""

    @abc.abstractmethod
    def session(self, session_id: int) -> ClinicSession: ...

    @abc.abstractmethod
    def fees(self) -> dict:
        """Number type → fee in yuan."""

    @abc.abstractmethod
    def expert_release_policy(self) -> str:
        """Plain Chinese sentence, e.g. 专家号提前7天15:00放号."""

    # --- patients and identity -------------------------------------------------------
    @abc.abstractmethod
    def card_exists(self, card_no: str) -> bool:
        """For staff tools only: the dialogue must never tell which cards exist."""

    @abc.abstractmethod
    def send_otp(
        self, card_no: str, conversation_id: Optional[str] = None, client: Optional[str] = None
    ) -> CodeRequest:
        """Send a one-time code (single use, 5 minutes) to the registered phone, if the
        card exists; rate-limited per card, conversation and client."""

    @abc.abstractmethod
    def verify(
        self,
        card_no: str,
        method: str,
        secret: str,
        conversation_id: Optional[str] = None,
        client: Optional[str] = None,
    ) -> VerificationResult:
        """method "phone4" (last 4 digits of the registered phone) or "otp". Failures
        are counted per card, conversation and client in sliding windows (5 in 15
        minutes lock that key until the oldest leaves the window); once a code was sent
        for this card in this conversation, only the code is accepted."""

    @abc.abstractmethod
    def patient(self, card_no: str, conversation_id: Optional[str] = None) -> Patient: ...

    # --- appointments ------------------------------------------------------------------
    @abc.abstractmethod
    def book(
        self, card_no: str, session_id: int, precheck: Optional[dict] = None, conversation_id: Optional[str] = None
    ) -> Appointment: ...

    @abc.abstractmethod
    def cancel(self, card_no: str, appointment_no: str, conversation_id: Optional[str] = None) -> Appointment: ...

    @abc.abstractmethod
    def reschedule(
        self, card_no: str, appointment_no: str, session_id: int, conversation_id: Optional[str] = None
    ) -> Appointment: ...

    @abc.abstractmethod
    def appointments(
        self, card_no: str, upcoming_only: bool = True, conversation_id: Optional[str] = None
    ) -> List[Appointment]: ...

    # --- reminders ----------------------------------------------------------------------
    # Booking arms a reminder the day before the visit (facts.yml reminders.day_before_at,
    # env XIAOAN_REMINDER_AT); rescheduling moves it, cancelling cancels it.
    @abc.abstractmethod
    def add_reminder(
        self, due_at: dt.datetime, note: str, conversation_id: Optional[str], card_no: Optional[str] = None
    ) -> Reminder:
        """A one-off reminder the patient asked for: in the conversation, and by SMS
        when `card_no` (a verified card) is given. BookingRejected("past") when due_at
        is not in the future."""

    @abc.abstractmethod
    def reminders(self, conversation_id: str) -> List[Reminder]:
        """Pending reminders of this conversation, soonest first."""

    @abc.abstractmethod
    def reminder(self, reminder_id: int, conversation_id: str) -> Reminder:
        """One reminder of this conversation (NotFound for another conversation's)."""

    @abc.abstractmethod
    def cancel_reminder(self, reminder_id: int, conversation_id: str) -> Reminder: ...

    @abc.abstractmethod
    def detach_reminders(self, conversation_id: str) -> int:
        """The person leaves a shared device ("退出"): this conversation's pending reminders
        no longer come here; a patient's still go by SMS, chat-only ones are cancelled."""

    @abc.abstractmethod
    def claim_due_reminders(self, worker: str, limit: int = 20) -> List[Reminder]:
        """Claim due pending reminders for `worker`: each is claimed by one worker only
        (compare-and-set), and its SMS is sent in the same transaction, so it goes once.
        Claims left unfinished for 10 minutes (a crashed worker) are closed as sent:
        delivered at most once, never twice."""

    @abc.abstractmethod
    def finish_reminder(self, reminder_id: int, worker: str, retry_after: Optional[dt.timedelta] = None) -> None:
        """The worker's chat delivery is over (sent), or could not start and is tried
        again `retry_after` from now (the SMS is not sent again)."""

    # --- reports -----------------------------------------------------------------------
    @abc.abstractmethod
    def lab_orders(self, card_no: str, conversation_id: Optional[str] = None) -> List[LabOrder]: ...

    @abc.abstractmethod
    def lab_order(self, card_no: str, order_id: str, conversation_id: Optional[str] = None) -> LabOrder: ...

    @abc.abstractmethod
    def imaging_exams(self, card_no: str, conversation_id: Optional[str] = None) -> List[ImagingExam]: ...

    @abc.abstractmethod
    def imaging_exam(self, card_no: str, exam_id: str, conversation_id: Optional[str] = None) -> ImagingExam: ...

    # --- handoff to staff ----------------------------------------------------------------
    @abc.abstractmethod
    def create_handoff(self, conversation_id: str, reason: str, summary: str) -> HandoffTicket: ...

    @abc.abstractmethod
    def handoff_tickets(self, status: Optional[str] = None) -> List[HandoffTicket]: ...

    @abc.abstractmethod
    def close_handoff(self, ticket_id: int) -> HandoffTicket: ...

    @abc.abstractmethod
    def take_handoff(self, ticket_id: int, staff: str) -> HandoffTicket:
        """For staff tools only: one staff member takes an open ticket; HandoffTaken
        when someone else already has it (or it is closed)."""

    @abc.abstractmethod
    def appointments_on(self, day: dt.date) -> List[Tuple[Appointment, Patient]]:
        """For staff tools only (the doctor's pre-consultation view): the day's booked
        appointments with their patients, by department, period and queue number."""

    # --- audit ----------------------------------------------------------------------------
    @abc.abstractmethod
    def audit_entries(self, card_no: Optional[str] = None) -> Sequence[dict]:
        """Audit trail of record access: actor, action, target, at, outcome, card_no,
        conversation_id."""

"""Proving who you are (form.py) and the verification this action server vouches for
(verification.py): every form that touches a patient's own records asks for 就诊卡号
plus the last 4 digits of the registered phone or an SMS code, until the conversation
holds a verification; it ends after 10 idle minutes, on "退出" (logout.py) and with the
conversation session. Then the task that needed it runs (gated.py). Forget me:
privacy.py."""

# actions/booking imports these from the package.
from actions.identity.form import IdentityFormValidation  # noqa: F401
from actions.identity.patient import whose  # noqa: F401
from actions.identity.verification import identity_slots, renew, verified_card  # noqa: F401

"""Red flags win: `red_flags.py` decides what is an emergency now, `contacts.py` whom to
call. The intent name lives here, light to import for the channels and the staff console."""

EMERGENCY_INTENT = "emergency"  # what the NLU says when a red flag is said about now

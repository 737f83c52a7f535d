"""Booking (挂号): book, reschedule, cancel and list appointments, and answer
schedule and fee questions. One module per part: form (the booking form), asks
(its questions), commit, listing, cancel, schedule_questions, fees; availability
and wording are what they share."""

"""Triage (导诊): which department, how urgently. The actions are in form.py, the
engine in flow.py (state, reading, answers, assessment, outcome, summary)."""

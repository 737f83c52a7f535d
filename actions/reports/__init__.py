"""Reports (报告): a verified patient's own lab and imaging results, in plain words.

Listing (listing.py) and opening (opening.py) reports are gated by identity (see
actions/identity/); general questions about an analyte or an exam (explaining.py,
lab_values.py) need no identity and show no personal data. Explanations come from
data/knowledge (lab_tests.yml, exams.yml), never a diagnosis; the words and phrases
from data/knowledge/report_words.yml, the messages from domain.yml.
"""

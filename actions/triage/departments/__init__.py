"""Which department a patient's own words point to (issue #13).

knowledge.py  the designers' department knowledge (data/triage/departments/*.yml),
              matched in the text: it explains ("您提到精囊炎").
model.py      a character n-gram classifier trained on patient-style sentences made
              from that knowledge: it generalises to wording the knowledge lacks.
combiner.py   both together: a department ranking with a confidence the triage uses.
"""

"""Medical knowledge the designers own (data/knowledge/*.yml), read through the one
knowledge loader (language.knowledge_files): lab analytes and examinations. Not a
hospital system: the demo hospital writes its results from it, the reports actions
explain results with it."""

from .exams import EXAM_MODALITIES, Exam, ExamReport, find_exam, get_exam, load_exams, validate_exams  # noqa: F401
from .lab_tests import (  # noqa: F401
    COVERAGE_AGES,
    LAB_PANELS,
    Analyte,
    Evaluation,
    LabCatalogue,
    Panel,
    RefBand,
    find_analyte,
    load_lab_tests,
    validate_lab_tests,
)
from .tables import EXAMS_PATH, LAB_TESTS_PATH, SEXES, KnowledgeError  # noqa: F401

"""Hospital questions (咨询): answers chosen by the ResponseSelector (answering.py), the
navigation menu (menu.py), and "您是不是想问…" instead of a confident wrong answer
(fallback.py).

The answers themselves live with their questions in data/nlu/faq/*.yml; categories and
hot questions in data/knowledge/faq_categories.yml (see catalog.py).
"""

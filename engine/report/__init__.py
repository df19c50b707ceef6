"""The annual rule-of-law report (法治政府建设年度报告): its figures from the registers, each with the
records it counts (figures.py, pure), the reads (queries.py) and the renderings (render.py)."""

"""Korean: figures with counters and myriads (``numbers.py``) and the sentence rules (``patterns.py``)."""

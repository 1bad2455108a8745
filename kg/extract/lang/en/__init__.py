"""English: figures with scale words and currency signs (``numbers.py``) and the sentence rules (``patterns.py``)."""

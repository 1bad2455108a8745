"""One package per article language (``ko``, ``en``): its number reader (``numbers.py``) and sentence rules
(``patterns.py``); ``shared.py`` holds what the rules of several languages use. The registry of languages that
points at them is :mod:`kg.extract.languages`."""

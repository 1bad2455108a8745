"""One package per article language (``ko``, ``en``): its number reader (``numbers.py``) and sentence rules
(``patterns.py``); ``shared.py`` holds what the rules of several languages use. The registry of languages that
points at them is :mod:`kg.extract.languages`."""
from pathlib import Path

# the language packages' folder, for their data files (words.yaml, units.yaml): this module stays Python, while the
# compiled rules' own __file__ is where kg.native put them (kg/native.py)
LANG_DIR = Path(__file__).resolve().parent

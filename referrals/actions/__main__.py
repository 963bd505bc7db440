"""`python -m referrals.actions`: the action server (referrals/actions/server.py)."""

from referrals.actions.server import main

if __name__ == "__main__":  # rasa-sdk imports every module of the package to find the actions
    main()

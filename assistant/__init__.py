"""Process-level pieces shared by the adapter and the action server: settings, run command."""

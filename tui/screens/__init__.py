"""The app's screens: setup, interview, scorecard, history and help."""
